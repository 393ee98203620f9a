// The device `chase train` runs on, and the uploads that keep it fed. The
// loader always builds batches in host memory; on a GPU each batch is copied
// over before the step that reads it.
#pragma once

#include <memory>
#include <string>

#include "data/loader.h"
#include "tensor/device.h"

namespace chase::train {

// The device named by --device ("cpu", "cuda" or "cuda:N"), checked to be usable.
// Throws chase::Error naming the reason when it is not: a build without the
// CUDA backend, or (with it) the CUDA runtime's reason no GPU is usable.
Device training_device(const std::string& name);

// Copies batches to `device`. On a GPU in a CUDA build, through pinned host
// buffers (tensor/cuda/pinned_upload.h), so that the copy engine reads them
// while the host goes on to the next batch; elsewhere with Tensor::to, which
// leaves a CPU batch as it is.
class BatchUploader {
 public:
  explicit BatchUploader(Device device);
  ~BatchUploader();  // waits for uploads still reading its pinned buffers
  BatchUploader(const BatchUploader&) = delete;
  BatchUploader& operator=(const BatchUploader&) = delete;

  Device device() const { return device_; }
  // `batch` with its images and labels on device().
  data::Batch upload(const data::Batch& batch);

 private:
  struct Pinned;  // the pinned uploaders of a CUDA build, for a GPU
  Device device_;
  std::unique_ptr<Pinned> pinned_;
};

}  // namespace chase::train

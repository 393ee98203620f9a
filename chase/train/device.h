// The device a run trains on, and the uploads that keep it fed. The loader
// always builds batches in host memory; on a GPU each batch is copied over
// before the step that reads it.
#pragma once

#include <string>

#include "data/loader.h"
#include "tensor/device.h"
#include "tensor/host_upload.h"

namespace chase::train {

// The device named by --device ("cpu", "cuda" or "cuda:N"), checked to be usable.
// Throws chase::Error naming the option and the reason when it is not: a build
// without the CUDA backend, or (with it) the CUDA runtime's reason no GPU is usable.
Device training_device(const std::string& name);

// Copies batches to a device through tensor/host_upload.h: pinned buffers on
// a GPU (one uploader for the images, one for the labels, so that a batch's
// labels never wait for its images' buffer), Tensor::to elsewhere, which
// leaves a CPU batch as it is.
class BatchUploader {
 public:
  explicit BatchUploader(Device device) : images_(device), labels_(device) {}

  Device device() const { return images_.device(); }
  // `batch` with its images and labels on device().
  data::Batch upload(const data::Batch& batch);

 private:
  HostUploader images_, labels_;
};

}  // namespace chase::train

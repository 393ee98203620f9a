// Moving host batches (a data loader's images and labels) onto the device that
// trains on them, without the caller naming a backend. On a CUDA device the
// tensor is staged in page-locked (pinned) host memory, so that the GPU's copy
// engine reads it while the host goes on to prepare the next batch; on the CPU
// it is Tensor::to, which leaves a CPU tensor as it is. Layers above tensor/
// use this instead of including tensor/cuda/.
#pragma once

#include <memory>

#include "tensor/tensor.h"

namespace chase {

class HostUploader {
 public:
  // Throws chase::Error when this build cannot serve `device` (see check_device_usable).
  explicit HostUploader(Device device);
  ~HostUploader();  // waits for uploads still reading its pinned buffers
  HostUploader(const HostUploader&) = delete;
  HostUploader& operator=(const HostUploader&) = delete;

  Device device() const { return device_; }
  // A tensor on device() with `host`'s values (host: a CPU tensor, any strides).
  // On a GPU it returns once the values are staged; the copy itself runs on the
  // device's stream, ahead of the kernels that read the result. Each uploader
  // alternates between two pinned buffers: use one uploader per stream of
  // tensors (images, labels) so that one never waits for the other's buffer.
  Tensor upload(const Tensor& host);

 private:
  struct Pinned;  // the CUDA backend's pinned buffers, for a GPU
  Device device_;
  std::unique_ptr<Pinned> pinned_;
};

}  // namespace chase

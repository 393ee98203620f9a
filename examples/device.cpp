#include "examples/device.h"

#include <fmt/format.h>

#include "tensor/error.h"
#include "tensor/kernels.h"

#ifdef CHASE_WITH_CUDA
#include "tensor/cuda/cuda_backend.h"
#include "tensor/cuda/pinned_upload.h"
#endif

namespace chase::train {

Device training_device(const std::string& name) {
  const Device device = parse_device(name);
  if (device.is_cpu()) return device;
  try {
    kernels_for(device);  // throws in a build without the CUDA backend
  } catch (const Error& e) {
    throw Error(fmt::format("--device {}: {}", name, e.what()));
  }
#ifdef CHASE_WITH_CUDA
  const int count = cuda::device_count();
  CHASE_CHECK(count > device.index, "--device {}: {} is not usable: {}", name, device.str(),
              count == 0 ? "no usable CUDA device (" + cuda::unavailable_reason() + ")"
                         : fmt::format("only {} CUDA device(s) found", count));
#endif
  return device;
}

#ifdef CHASE_WITH_CUDA
// One uploader each, so that a batch's labels never wait for its images'
// buffer (each uploader alternates between two).
struct BatchUploader::Pinned {
  explicit Pinned(Device device) : images(device), labels(device) {}
  cuda::PinnedUploader images, labels;
};
#else
struct BatchUploader::Pinned {};
#endif

BatchUploader::BatchUploader(Device device) : device_(device) {
#ifdef CHASE_WITH_CUDA
  if (device.is_cuda()) pinned_ = std::make_unique<Pinned>(device);
#endif
}

BatchUploader::~BatchUploader() = default;

data::Batch BatchUploader::upload(const data::Batch& batch) {
  data::Batch moved = batch;
#ifdef CHASE_WITH_CUDA
  if (pinned_) {
    moved.images = pinned_->images.upload(batch.images);
    moved.labels = pinned_->labels.upload(batch.labels);
    return moved;
  }
#endif
  moved.images = batch.images.to(device_);
  moved.labels = batch.labels.to(device_);
  return moved;
}

}  // namespace chase::train

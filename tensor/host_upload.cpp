#include "tensor/host_upload.h"

#ifdef CHASE_WITH_CUDA
#include "tensor/cuda/pinned_upload.h"
#endif

namespace chase {

#ifdef CHASE_WITH_CUDA
struct HostUploader::Pinned {
  explicit Pinned(Device device) : uploader(device) {}
  cuda::PinnedUploader uploader;
};
#else
struct HostUploader::Pinned {};
#endif

HostUploader::HostUploader(Device device) : device_(device) {
  check_device_usable(device);
#ifdef CHASE_WITH_CUDA
  if (device.is_cuda()) pinned_ = std::make_unique<Pinned>(device);
#endif
}

HostUploader::~HostUploader() = default;

Tensor HostUploader::upload(const Tensor& host) {
#ifdef CHASE_WITH_CUDA
  if (pinned_) return pinned_->uploader.upload(host);
#endif
  return host.to(device_);
}

}  // namespace chase

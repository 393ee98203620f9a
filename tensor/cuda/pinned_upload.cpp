#include "tensor/cuda/pinned_upload.h"

#include <cuda_runtime_api.h>

#include <cstring>

#include "tensor/cuda/runtime.h"
#include "tensor/cuda/status.h"

namespace chase::cuda {

PinnedUploader::PinnedUploader(Device device) : device_(device) {
  CHASE_CHECK(device.is_cuda(), "pinned upload: expected a CUDA device, got {}", device.str());
}

PinnedUploader::~PinnedUploader() {
  // No exceptions out of a destructor: a failure here (a dead context) leaves
  // the memory to the driver, which reclaims it with the process.
  for (Buffer& buffer : buffers_) {
    if (buffer.done != nullptr) {
      cudaEventSynchronize(static_cast<cudaEvent_t>(buffer.done));
      cudaEventDestroy(static_cast<cudaEvent_t>(buffer.done));
    }
    if (buffer.data != nullptr) cudaFreeHost(buffer.data);
  }
}

void PinnedUploader::wait_until_free(Buffer& buffer) {
  if (buffer.done != nullptr)
    check_cuda(cudaEventSynchronize(static_cast<cudaEvent_t>(buffer.done)), "pinned upload");
}

void PinnedUploader::reserve(Buffer& buffer, std::size_t bytes) {
  if (buffer.done == nullptr) {
    cudaEvent_t event = nullptr;
    check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "pinned upload");
    buffer.done = event;
  }
  if (buffer.bytes >= bytes) return;
  if (buffer.data != nullptr) {
    check_cuda(cudaFreeHost(buffer.data), "pinned upload");
    buffer.data = nullptr;
    buffer.bytes = 0;
  }
  check_cuda(cudaHostAlloc(&buffer.data, bytes, cudaHostAllocPortable),
             "pinned upload: allocating pinned memory");
  buffer.bytes = bytes;
}

Tensor PinnedUploader::upload(const Tensor& host) {
  CHASE_CHECK(host.defined() && host.device().is_cpu(),
              "pinned upload: expected a CPU tensor, got {}", host.str());
  Tensor out = Tensor::empty(host.shape(), host.dtype(), device_);
  set_device("pinned upload", device_.index);  // the event and the copy belong to device_
  const std::size_t bytes = static_cast<std::size_t>(host.numel()) * element_size(host.dtype());
  if (bytes == 0) return out;
  Buffer& buffer = buffers_[next_];
  next_ = (next_ + 1) % buffers_.size();
  wait_until_free(buffer);
  reserve(buffer, bytes);
  const Tensor packed = host.contiguous();
  std::memcpy(buffer.data, packed.raw_data(), bytes);
  check_cuda(cudaMemcpyAsync(out.raw_data(), buffer.data, bytes, cudaMemcpyHostToDevice, stream()),
             "pinned upload");
  check_cuda(cudaEventRecord(static_cast<cudaEvent_t>(buffer.done), stream()), "pinned upload");
  return out;
}

}  // namespace chase::cuda

// Registration of the backend and the small public functions of cuda_backend.h.
#include <cuda_runtime_api.h>

#include "tensor/cuda/caching_allocator.h"
#include "tensor/cuda/cuda_backend.h"
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/runtime.h"

namespace chase::cuda {
namespace {

struct DeviceQuery {
  int count = 0;
  std::string reason;
};

// Asked once: the answer does not change while the process runs.
const DeviceQuery& device_query() {
  static const DeviceQuery query = [] {
    DeviceQuery q;
    const cudaError_t status = cudaGetDeviceCount(&q.count);
    if (status != cudaSuccess) {
      cudaGetLastError();
      q.count = 0;
      q.reason = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
    } else if (q.count == 0) {
      q.reason = "the CUDA runtime reports no device";
    }
    return q;
  }();
  return query;
}

}  // namespace

void register_backend() {
  static CudaKernels kernels;
  register_cuda_kernels(&kernels);
  register_cuda_allocators([](int index) -> Allocator& { return caching_allocator(index); });
}

int device_count() { return device_query().count; }

std::string unavailable_reason() { return device_query().reason; }

void synchronize() { synchronize_all("cuda::synchronize"); }

DeviceMemoryStats device_memory_stats(int device) {
  const CachingAllocator& allocator = caching_allocator(device);
  return {allocator.device_allocations(), allocator.reserved_bytes()};
}

}  // namespace chase::cuda

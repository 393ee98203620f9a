#include "tensor/cuda/caching_allocator.h"

#include <bit>

#include "tensor/cuda/runtime.h"
#include "tensor/cuda/status.h"
#include "tensor/error.h"

namespace chase::cuda {

std::size_t bucket_size(std::size_t bytes) {
  constexpr std::size_t kMinBlock = 512;
  if (bytes <= kMinBlock) return kMinBlock;
  // With 2^k <= bytes < 2^(k+1), the steps are 2^(k-2) apart: four per power of two.
  const std::size_t step = std::bit_floor(bytes) / 4;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t size = bucket_size(bytes);
  std::lock_guard lock(mutex_);
  void* ptr = books_.take_cached(size);
  if (ptr == nullptr) ptr = allocate_from_device(bytes, size);
  books_.count_allocation(bytes);
  return ptr;
}

// Makes no CUDA call: a tensor freed during static destruction, after the
// runtime has shut down, only moves its block to the free list.
void CachingAllocator::deallocate(void* ptr, std::size_t bytes) {
  const std::size_t size = bucket_size(bytes);
  std::lock_guard lock(mutex_);
  books_.count_deallocation(bytes);
  books_.cache(size, ptr);
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return books_.stats();
}

void CachingAllocator::reset_peak() {
  std::lock_guard lock(mutex_);
  books_.reset_peak();
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  release_cached();
}

std::int64_t CachingAllocator::device_allocations() const {
  std::lock_guard lock(mutex_);
  return device_allocations_;
}

std::int64_t CachingAllocator::reserved_bytes() const {
  std::lock_guard lock(mutex_);
  return reserved_bytes_;
}

// On out-of-memory the cached blocks (other buckets' memory) go back to the
// driver and the request is tried once more before giving up.
void* CachingAllocator::allocate_from_device(std::size_t bytes, std::size_t size) {
  const DeviceGuard on("cuda allocator", device_);
  void* ptr = nullptr;
  cudaError_t status = cudaMalloc(&ptr, size);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky: clear it so that later calls do not report it
    const std::int64_t cached = books_.stats().cached_bytes;
    release_cached();
    status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw Error(fmt::format(
          "cuda allocator: out of memory on cuda:{} allocating {} bytes (a {}-byte block); "
          "{} bytes held by tensors, {} bytes were cached and have been released",
          device_, bytes, size, books_.stats().live_bytes, cached));
    }
  }
  check_cuda(status, "cuda allocator");
  ++device_allocations_;
  reserved_bytes_ += static_cast<std::int64_t>(size);
  return ptr;
}

// Each block leaves the books before cudaFree, so a failing call (which
// throws) leaves the counters true to what is still held.
void CachingAllocator::release_cached() {
  const DeviceGuard on("cuda allocator", device_);
  books_.release_cached([this](void* ptr, std::size_t size) {
    reserved_bytes_ -= static_cast<std::int64_t>(size);
    check_cuda(cudaFree(ptr), "cuda allocator: releasing cached blocks");
  });
}

CachingAllocator& caching_allocator(int device) {
  // Never destroyed: their blocks belong to a runtime that may be gone by then.
  static auto& allocators = *new PerDevice<CachingAllocator>;
  return allocators.get(device, [device] {
    check_usable_device("cuda allocator", device);  // a wrong index names itself
    return new CachingAllocator(device);
  });
}

}  // namespace chase::cuda

#include "tensor/allocator.h"

#include <cstdlib>
#include <mutex>

#include "tensor/allocator_books.h"
#include "tensor/error.h"

namespace chase {
namespace {

// 64-byte alignment: a cache line, and what AVX-512 loads like best.
constexpr std::size_t kAlignment = 64;
// Blocks at least this large are cached when freed. A training step allocates
// the same large activations every iteration; handing freed blocks back to the
// next request of the same size avoids the system's page faults on fresh
// memory, which otherwise cost more than the arithmetic of elementwise ops.
constexpr std::size_t kCacheMinBytes = 64 * 1024;
// Above this much cached memory, freed blocks go straight back to the system.
constexpr std::size_t kCacheMaxBytes = std::size_t{4} << 30;

std::size_t rounded_size(std::size_t bytes) {
  std::size_t r = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  return r == 0 ? kAlignment : r;
}

class CpuAllocator final : public Allocator {
 public:
  ~CpuAllocator() override { empty_cache(); }

  void* allocate(std::size_t bytes) override {
    const std::size_t size = rounded_size(bytes);
    void* ptr = take_cached(size);
    if (ptr == nullptr) {
      ptr = std::aligned_alloc(kAlignment, size);
      if (ptr == nullptr) {
        empty_cache();
        ptr = std::aligned_alloc(kAlignment, size);
      }
    }
    std::lock_guard lock(mutex_);
    CHASE_CHECK(ptr != nullptr, "cpu allocator: out of memory allocating {} bytes ({} live)",
                bytes, books_.stats().live_bytes);
    books_.count_allocation(bytes);
    return ptr;
  }

  void deallocate(void* ptr, std::size_t bytes) override {
    const std::size_t size = rounded_size(bytes);
    std::lock_guard lock(mutex_);
    books_.count_deallocation(bytes);
    if (size >= kCacheMinBytes &&
        static_cast<std::size_t>(books_.stats().cached_bytes) + size <= kCacheMaxBytes) {
      books_.cache(size, ptr);
    } else {
      std::free(ptr);
    }
  }

  AllocatorStats stats() const override {
    std::lock_guard lock(mutex_);
    return books_.stats();
  }

  void reset_peak() override {
    std::lock_guard lock(mutex_);
    books_.reset_peak();
  }

  void empty_cache() override {
    std::lock_guard lock(mutex_);
    books_.release_cached([](void* ptr, std::size_t) { std::free(ptr); });
  }

 private:
  // A cached block of exactly this size, or null. Exact sizes keep memory use
  // predictable; training loops request the same sizes every step.
  void* take_cached(std::size_t size) {
    if (size < kCacheMinBytes) return nullptr;
    std::lock_guard lock(mutex_);
    return books_.take_cached(size);
  }

  mutable std::mutex mutex_;
  AllocatorBooks books_;
};

DeviceAllocators cuda_allocators = nullptr;

}  // namespace

Allocator& allocator_for(Device device) {
  static CpuAllocator cpu;
  if (device.is_cpu()) return cpu;
  CHASE_CHECK(cuda_allocators != nullptr,
              "device {}: this build of chase has no CUDA backend (configure with "
              "-Dcuda=enabled on a machine with nvcc)",
              device.str());
  return cuda_allocators(device.index);
}

void register_cuda_allocators(DeviceAllocators allocators) { cuda_allocators = allocators; }

}  // namespace chase

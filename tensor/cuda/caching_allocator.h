// Device memory for GPU tensors. cudaMalloc and cudaFree cost tens of
// microseconds to milliseconds and cudaFree synchronises the whole device, so
// freed blocks are not returned to the driver: they wait in free lists, one
// per size bucket, for the next request of the same bucket. A training step
// asks for the same sizes every iteration, so after its first iteration it
// runs without a single cudaMalloc.
//
// One allocator per GPU. No events guard a freed block's reuse: all of a
// device's work runs on its one stream (runtime.h), so the next owner's
// kernels are queued behind the last reads of the previous owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "tensor/allocator.h"
#include "tensor/allocator_books.h"

namespace chase::cuda {

// The bucket a request of `bytes` is served from: at least 512 bytes (the
// alignment cudaMalloc gives, kept for every block), otherwise the request
// rounded up to one of four steps per power of two (1, 1.25, 1.5, 1.75 x 2^k),
// so a block is never more than 25% larger than its request while sizes that
// differ a little (a last, smaller batch) still share buckets.
std::size_t bucket_size(std::size_t bytes);

class CachingAllocator final : public Allocator {
 public:
  explicit CachingAllocator(int device) : device_(device) {}

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) override;
  AllocatorStats stats() const override;
  void reset_peak() override;
  void empty_cache() override;

  // Calls to cudaMalloc so far, and the bytes held from the driver (blocks in
  // use, at their bucket size, plus cached ones): the numbers that show
  // whether a loop reuses its memory.
  std::int64_t device_allocations() const;
  std::int64_t reserved_bytes() const;

 private:
  void* allocate_from_device(std::size_t bytes, std::size_t size);  // mutex held
  void release_cached();                                            // mutex held

  const int device_;
  mutable std::mutex mutex_;
  AllocatorBooks books_;  // caches free blocks by bucket size
  std::int64_t device_allocations_ = 0;
  std::int64_t reserved_bytes_ = 0;
};

// The process's allocator for cuda:`device`; throws, before creating one,
// for an index that names no usable GPU.
CachingAllocator& caching_allocator(int device);

}  // namespace chase::cuda

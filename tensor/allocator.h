// Allocators hand out raw device memory and count it: live bytes (what tensors
// hold now) and peak bytes (the high-water mark), which tests use to prove that
// a graph frees its memory and benchmarks print as peak memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/device.h"

namespace chase {

struct AllocatorStats {
  std::int64_t live_bytes = 0;    // held by tensors now
  std::int64_t peak_bytes = 0;    // high-water mark of live_bytes
  std::int64_t cached_bytes = 0;  // freed by tensors, kept for reuse
  std::int64_t allocations = 0;   // calls to allocate() since start
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual AllocatorStats stats() const = 0;
  virtual void reset_peak() = 0;
  // Returns cached blocks to the system.
  virtual void empty_cache() = 0;
};

// The allocator of a device; throws for a device this build cannot serve.
Allocator& allocator_for(Device device);

// Installed by the CUDA backend when it is linked in: the allocator of each
// GPU by index (it throws for an index that names no usable GPU).
using DeviceAllocators = Allocator& (*)(int index);
void register_cuda_allocators(DeviceAllocators allocators);

}  // namespace chase

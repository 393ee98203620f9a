// The bookkeeping every allocator does: the counts of AllocatorStats and the
// freed blocks it keeps for reuse, by size. Not locked: each allocator calls
// it with its own mutex held. Where memory comes from, which blocks are worth
// caching and how a block is returned stay with the allocator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>

#include "tensor/allocator.h"

namespace chase {

class AllocatorBooks {
 public:
  const AllocatorStats& stats() const { return stats_; }

  // A request of `bytes` served; live and peak bytes count requests, not blocks.
  void count_allocation(std::size_t bytes) {
    stats_.live_bytes += static_cast<std::int64_t>(bytes);
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.live_bytes);
    ++stats_.allocations;
  }
  void count_deallocation(std::size_t bytes) {
    stats_.live_bytes -= static_cast<std::int64_t>(bytes);
  }
  void reset_peak() { stats_.peak_bytes = stats_.live_bytes; }

  // Keeps a freed block of `size` bytes for reuse.
  void cache(std::size_t size, void* ptr) {
    cache_.emplace(size, ptr);
    stats_.cached_bytes += static_cast<std::int64_t>(size);
  }
  // A cached block of exactly `size` bytes, no longer cached; null when none.
  void* take_cached(std::size_t size) {
    auto it = cache_.find(size);
    if (it == cache_.end()) return nullptr;
    void* ptr = it->second;
    cache_.erase(it);
    stats_.cached_bytes -= static_cast<std::int64_t>(size);
    return ptr;
  }
  // Calls release(ptr, size) on every cached block. Each block leaves the
  // books first, so a release that throws leaves the counts true to what is
  // still cached.
  template <class Release>
  void release_cached(Release&& release) {
    while (!cache_.empty()) {
      const auto [size, ptr] = *cache_.begin();
      cache_.erase(cache_.begin());
      stats_.cached_bytes -= static_cast<std::int64_t>(size);
      release(ptr, size);
    }
  }

 private:
  std::multimap<std::size_t, void*> cache_;  // block size -> free block
  AllocatorStats stats_;
};

}  // namespace chase

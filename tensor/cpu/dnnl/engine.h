// What every oneDNN kernel shares: the CPU engine, the calling thread's stream,
// memory descriptors over chase tensors (which oneDNN reads and writes in
// place, without copies), and a cache of primitives keyed by shapes and
// options, so that a training loop builds each primitive once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "tensor/tensor.h"

namespace chase::onednn {

dnnl::engine& cpu_engine();

// Attributes every primitive of this backend is built with: its scratchpad
// is ours (scratch.h), not oneDNN's. oneDNN's own is shared between
// primitives unless the library was built for concurrent execution, which
// Debian's build does not promise; ours is per thread and reused.
dnnl::primitive_attr primitive_attributes();

// Runs the primitive on this thread's stream, with its scratchpad, and waits.
void execute(const dnnl::primitive& primitive, std::unordered_map<int, dnnl::memory> args);

// The f32 descriptor of a row-major contiguous tensor of `dims`.
dnnl::memory::desc plain_desc(const Shape& dims);
// Wraps t's memory (no copy) under a descriptor that must describe it.
dnnl::memory memory_of(const dnnl::memory::desc& desc, const Tensor& t);

// True when every defined tensor is f32 (the only dtype the backend accelerates).
bool all_f32(std::initializer_list<const Tensor*> tensors);

// A cache key lists the shapes and options that determine a primitive.
using CacheKey = std::vector<std::int64_t>;

struct CacheKeyHash {
  std::size_t operator()(const CacheKey& key) const;
};

// One cache per entry type, so keys of different primitives never meet.
// Entries are shared_ptrs so that a caller keeps its
// primitive alive even if the cache is cleared meanwhile by another thread.
// The bound only guards against programs with unboundedly many shapes; a
// training run uses a few dozen.
template <class Entry>
class PrimitiveCache {
 public:
  static std::shared_ptr<const Entry> get(const CacheKey& key, const std::function<Entry()>& make) {
    static PrimitiveCache cache;
    std::lock_guard lock(cache.mutex_);
    if (auto it = cache.entries_.find(key); it != cache.entries_.end()) return it->second;
    if (cache.entries_.size() >= kCapacity) cache.entries_.clear();
    auto entry = std::make_shared<const Entry>(make());
    cache.entries_.emplace(key, entry);
    return entry;
  }

 private:
  static constexpr std::size_t kCapacity = 1024;
  std::mutex mutex_;
  std::unordered_map<CacheKey, std::shared_ptr<const Entry>, CacheKeyHash> entries_;
};

}  // namespace chase::onednn

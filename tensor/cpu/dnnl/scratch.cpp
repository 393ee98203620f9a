#include "tensor/cpu/dnnl/scratch.h"

#include <array>
#include <cstdlib>
#include <memory>

#include "tensor/cpu/dnnl/engine.h"
#include "tensor/error.h"

namespace chase::onednn {
namespace {

// A buffer that only grows; 64-byte aligned like chase's own allocator.
class ScratchBuffer {
 public:
  void* reserve(std::size_t bytes) {
    if (bytes > capacity_) {
      const std::size_t rounded = (bytes + 63) / 64 * 64;
      data_.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
      CHASE_CHECK(data_ != nullptr, "oneDNN backend: out of memory reserving {} scratch bytes",
                  bytes);
      capacity_ = rounded;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data_;
  std::size_t capacity_ = 0;
};

}  // namespace

dnnl::memory scratch_memory(const dnnl::memory::desc& desc, ScratchSlot slot) {
  thread_local std::array<ScratchBuffer, 4> buffers;
  void* data = buffers[static_cast<std::size_t>(slot)].reserve(desc.get_size());
  return dnnl::memory(desc, cpu_engine(), data);
}

}  // namespace chase::onednn

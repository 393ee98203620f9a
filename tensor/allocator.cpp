#include "tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "tensor/error.h"

namespace chase {
namespace {

// 64-byte alignment: a cache line, and what AVX-512 loads like best.
constexpr std::size_t kAlignment = 64;

class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* ptr = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    CHASE_CHECK(ptr != nullptr, "cpu allocator: out of memory allocating {} bytes ({} live)",
                bytes, live_.load());
    auto live = live_.fetch_add(static_cast<std::int64_t>(bytes)) +
                static_cast<std::int64_t>(bytes);
    auto peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {
    }
    allocations_.fetch_add(1);
    return ptr;
  }

  void deallocate(void* ptr, std::size_t bytes) override {
    std::free(ptr);
    live_.fetch_sub(static_cast<std::int64_t>(bytes));
  }

  AllocatorStats stats() const override {
    return {live_.load(), peak_.load(), allocations_.load()};
  }

  void reset_peak() override { peak_.store(live_.load()); }

 private:
  std::atomic<std::int64_t> live_{0};
  std::atomic<std::int64_t> peak_{0};
  std::atomic<std::int64_t> allocations_{0};
};

Allocator* cuda_allocator = nullptr;

}  // namespace

Allocator& allocator_for(Device device) {
  static CpuAllocator cpu;
  if (device.is_cpu()) return cpu;
  CHASE_CHECK(cuda_allocator != nullptr,
              "device {}: this build of chase has no CUDA backend (configure with "
              "-Dcuda=enabled on a machine with nvcc)",
              device.str());
  return *cuda_allocator;
}

void register_allocator(DeviceType type, Allocator* allocator) {
  if (type == DeviceType::cuda) cuda_allocator = allocator;
}

}  // namespace chase

#include "tensor/cuda/index_check.h"

#include "tensor/cuda/launch.cuh"

namespace chase::cuda {
namespace {

// Lowers *first to the position of every index outside [0, bound); the
// positions are non-negative, so an unsigned atomicMin orders them correctly.
struct FindOutside {
  const std::int64_t* index;
  std::int64_t bound;
  unsigned long long* first;
  __device__ void operator()(std::int64_t i) const {
    if (index[i] < 0 || index[i] >= bound) atomicMin(first, static_cast<unsigned long long>(i));
  }
};

// The one element of an i64 GPU tensor, exactly (item() would pass through double).
std::int64_t read_one(const Tensor& t) { return *t.to(Device::cpu()).data<std::int64_t>(); }

}  // namespace

std::optional<BadIndex> first_index_outside(const Tensor& index, std::int64_t bound,
                                            const char* op) {
  const std::int64_t n = index.numel();
  if (n == 0) return std::nullopt;
  // Starts at n: "no bad position".
  const Tensor first = Tensor::scalar(static_cast<double>(n), DType::i64, current());
  index_map(op, n,
            FindOutside{index.data<std::int64_t>(), bound,
                        reinterpret_cast<unsigned long long*>(first.data<std::int64_t>())});
  const std::int64_t position = read_one(first);
  if (position >= n) return std::nullopt;
  return BadIndex{position, read_one(index.view({-1}).narrow(0, position, 1))};
}

}  // namespace chase::cuda

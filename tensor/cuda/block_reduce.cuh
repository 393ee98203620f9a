// Folding a value per thread into one per block (nvcc only), for any fold with
// a combine(a, b) that is associative and commutative: sums, and extrema whose
// ties are broken by position so that the order of combining cannot matter.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace chase::cuda {

constexpr int kMaxBlockThreads = 256;

// A power of two in [32, kMaxBlockThreads]: enough threads for `work` values
// per block, no more (a row of 10 values gets one warp, not 256 threads).
inline int block_threads_for(std::int64_t work) {
  const auto wanted = std::bit_ceil(static_cast<std::uint64_t>(std::max<std::int64_t>(work, 1)));
  return static_cast<int>(std::clamp<std::uint64_t>(wanted, 32, kMaxBlockThreads));
}

// Tree reduction through shared memory (blockDim.x a power of two, at most
// kMaxBlockThreads). Every thread must call it; the result is valid in thread
// 0 only, and `shared` may be reused once the block has synchronised again.
template <class Fold, class Partial>
__device__ Partial block_reduce(Partial value, Partial* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      shared[threadIdx.x] = Fold::combine(shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  return shared[0];
}

}  // namespace chase::cuda

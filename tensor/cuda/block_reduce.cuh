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
// kMaxBlockThreads). Every thread must call it. Thread 0 gets the block's
// result; the others get their own value back. Only thread 0 reads the final
// slot, so a block may call this again at once (in a loop) without a race.
template <class Fold, class Partial>
__device__ Partial block_reduce(Partial value, Partial* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      shared[threadIdx.x] = Fold::combine(shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  return threadIdx.x == 0 ? shared[0] : value;
}

// As block_reduce, with the result handed to every thread through `result`
// (shared memory); the block synchronises after the hand-over too, so both
// `shared` and `result` may be reused at once.
template <class Fold, class Partial>
__device__ Partial block_reduce_to_all(Partial value, Partial* shared, Partial* result) {
  const Partial total = block_reduce<Fold>(value, shared);
  if (threadIdx.x == 0) *result = total;
  __syncthreads();
  const Partial everyone = *result;
  __syncthreads();
  return everyone;
}

}  // namespace chase::cuda

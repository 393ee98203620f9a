// Row reductions: x [M, R] -> out [M] (sum, mean, max, min, argmax, argmin).
//
// A block folds a row (or a chunk of one) with its threads striding over the
// elements, then combines the threads' partials in shared memory. When there
// are too few rows to occupy the GPU (a full-tensor sum is one row), each row
// is cut into chunks folded by separate blocks, and a second kernel combines
// each row's chunk partials. Sums accumulate in double (int64 for i64), as the
// reference does; they are added in a tree rather than left to right, which
// changes only the rounding. Extrema break ties by position, so the first
// extremum wins whatever the order of combining, and NaN beats every number
// (PyTorch's max/argmax propagate NaN).
#include <type_traits>

#include "tensor/cuda/block_reduce.cuh"
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/scalar_math.h"

namespace chase::cuda {
namespace {

template <class T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

template <class T>
struct SumFold {
  using Partial = Accumulator<T>;
  __device__ static Partial empty() { return 0; }
  __device__ static Partial of(T value, std::int64_t) { return value; }
  __device__ static Partial combine(Partial a, Partial b) { return a + b; }
};

template <class T>
struct Extremum {
  T value;
  std::int64_t index;  // negative: no element seen yet
};

template <class T, bool largest>
struct ExtremumFold {
  using Partial = Extremum<T>;
  __device__ static Partial empty() { return {T(0), -1}; }
  __device__ static Partial of(T value, std::int64_t index) { return {value, index}; }
  // Partials combine in any order here, so a tie goes to the lower index.
  __device__ static Partial combine(Partial a, Partial b) {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    if (scalar::more_extreme<largest>(a.value, b.value)) return a;
    if (scalar::more_extreme<largest>(b.value, a.value)) return b;
    return a.index < b.index ? a : b;
  }
};

// What a row's final partial becomes in the output.
template <class T>
struct SumFinish {
  __device__ T operator()(Accumulator<T> s) const { return static_cast<T>(s); }
};
template <class T>
struct MeanFinish {
  double length;
  __device__ T operator()(Accumulator<T> s) const {
    return static_cast<T>(static_cast<double>(s) / length);
  }
};
template <class T>
struct ValueFinish {
  __device__ T operator()(Extremum<T> p) const { return p.value; }
};
template <class T>
struct IndexFinish {
  __device__ std::int64_t operator()(Extremum<T> p) const { return p.index; }
};

// How the rows are split into blocks' work.
struct Split {
  std::int64_t rows, length, chunks, chunk_length;
  int threads;
};

Split split_rows(std::int64_t rows, std::int64_t length) {
  // About eight blocks per SM of the largest GPUs (132 SMs), and chunks long
  // enough that a block's own loop dominates its reduction.
  constexpr std::int64_t kTargetBlocks = 1024, kMinChunk = 4096;
  std::int64_t chunks = 1;
  if (rows < kTargetBlocks && length > 2 * kMinChunk)
    chunks = std::min((length + kMinChunk - 1) / kMinChunk, (kTargetBlocks + rows - 1) / rows);
  const std::int64_t chunk_length = (length + chunks - 1) / chunks;
  chunks = (length + chunk_length - 1) / chunk_length;
  return {rows, length, chunks, chunk_length, block_threads_for(chunk_length)};
}

// Folds chunk `work % chunks` of row `work / chunks` for every work item; with
// one chunk per row the result goes straight to out, else to partials.
template <class Fold, class T, class Out, class Finish>
__global__ void fold_chunks_kernel(Out* out, typename Fold::Partial* partials, const T* x,
                                   Split split, Finish finish) {
  using Partial = typename Fold::Partial;
  __shared__ Partial shared[kMaxBlockThreads];
  for (std::int64_t work = blockIdx.x; work < split.rows * split.chunks; work += gridDim.x) {
    const std::int64_t row = work / split.chunks, chunk = work % split.chunks;
    const std::int64_t begin = chunk * split.chunk_length;
    const std::int64_t end = min(split.length, begin + split.chunk_length);
    const T* row_x = x + row * split.length;
    Partial p = Fold::empty();
    for (std::int64_t i = begin + threadIdx.x; i < end; i += blockDim.x)
      p = Fold::combine(p, Fold::of(row_x[i], i));
    p = block_reduce<Fold>(p, shared);
    if (threadIdx.x == 0) {
      if (split.chunks == 1)
        out[row] = finish(p);
      else
        partials[work] = p;
    }
  }
}

template <class Fold, class Out, class Finish>
__global__ void combine_chunks_kernel(Out* out, const typename Fold::Partial* partials, Split split,
                                      Finish finish) {
  using Partial = typename Fold::Partial;
  __shared__ Partial shared[kMaxBlockThreads];
  for (std::int64_t row = blockIdx.x; row < split.rows; row += gridDim.x) {
    Partial p = Fold::empty();
    for (std::int64_t c = threadIdx.x; c < split.chunks; c += blockDim.x)
      p = Fold::combine(p, partials[row * split.chunks + c]);
    p = block_reduce<Fold>(p, shared);
    if (threadIdx.x == 0) out[row] = finish(p);
  }
}

template <class Fold, class T, class Out, class Finish>
void fold_rows(const char* op, Out* out, const T* x, std::int64_t rows, std::int64_t length,
               Finish finish) {
  using Partial = typename Fold::Partial;
  const Split split = split_rows(rows, length);
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  const auto blocks = static_cast<unsigned int>(std::min(rows * split.chunks, kMaxGrid));
  if (split.chunks == 1) {
    fold_chunks_kernel<Fold>
        <<<blocks, split.threads, 0, stream()>>>(out, nullptr, x, split, finish);
    check_launch(op);
    return;
  }
  // The partials live in a tensor so that the caching allocator serves them.
  const auto partial_bytes = static_cast<std::int64_t>(sizeof(Partial)) * rows * split.chunks;
  const Tensor scratch = Tensor::empty({(partial_bytes + 7) / 8}, DType::i64, Device::cuda(0));
  auto* partials = static_cast<Partial*>(scratch.raw_data());
  fold_chunks_kernel<Fold><<<blocks, split.threads, 0, stream()>>>(out, partials, x, split, finish);
  check_launch(op);
  const auto combine_blocks = static_cast<unsigned int>(std::min(rows, kMaxGrid));
  combine_chunks_kernel<Fold><<<combine_blocks, block_threads_for(split.chunks), 0, stream()>>>(
      out, partials, split, finish);
  check_launch(op);
}

template <class T>
void reduce_typed(ReduceOp op, const Tensor& out, const Tensor& x) {
  CHASE_CHECK(std::is_floating_point_v<T> || op != ReduceOp::mean,
              "reduce: mean is not defined for dtype {}", name(x.dtype()));
  const std::int64_t rows = out.numel();
  if (rows == 0) return;
  const std::int64_t length = x.numel() / rows;
  if (length == 0) return kernels_for(out.device()).fill(out, empty_reduction_value(op));
  const T* in = x.data<T>();
  const char* op_name = name(op);
  switch (op) {
    case ReduceOp::sum:
      return fold_rows<SumFold<T>>(op_name, out.data<T>(), in, rows, length, SumFinish<T>{});
    case ReduceOp::mean:
      return fold_rows<SumFold<T>>(op_name, out.data<T>(), in, rows, length,
                                   MeanFinish<T>{static_cast<double>(length)});
    case ReduceOp::max:
      return fold_rows<ExtremumFold<T, true>>(op_name, out.data<T>(), in, rows, length,
                                              ValueFinish<T>{});
    case ReduceOp::min:
      return fold_rows<ExtremumFold<T, false>>(op_name, out.data<T>(), in, rows, length,
                                               ValueFinish<T>{});
    case ReduceOp::argmax:
      return fold_rows<ExtremumFold<T, true>>(op_name, out.data<std::int64_t>(), in, rows, length,
                                              IndexFinish<T>{});
    case ReduceOp::argmin:
      return fold_rows<ExtremumFold<T, false>>(op_name, out.data<std::int64_t>(), in, rows, length,
                                               IndexFinish<T>{});
  }
}

}  // namespace

void CudaKernels::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  check_served(name(op), out, x);
  visit_dtype(x.dtype(), [&](auto zero) { reduce_typed<decltype(zero)>(op, out, x); });
}

}  // namespace chase::cuda

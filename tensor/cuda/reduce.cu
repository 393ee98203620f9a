// Reductions over the middle dim: x [M, R, N] -> out [M, N] (sum, mean, max,
// min, argmax, argmin).
//
// N == 1, rows: a block folds a row (or a chunk of one) with its threads
// striding over the elements, then combines the threads' partials in shared
// memory. When there are too few rows to occupy the GPU (a full-tensor sum is
// one row), each row is cut into chunks folded by separate blocks, and a
// second kernel combines each row's chunk partials.
//
// N > 1, columns: a thread folds a column (or a chunk of one) in order, its
// neighbours the neighbouring columns, so that a warp's loads coalesce; too
// few columns to occupy the GPU are cut into chunks of rows, as rows are.
//
// Sums accumulate in double (int64 for i64), as the reference does; they are
// added in another order, which changes only the rounding. Extrema break ties
// by position, so the first extremum wins whatever the order of combining, and
// NaN beats every number (PyTorch's max/argmax propagate NaN).
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

// Scratch for `count` partials; a tensor, so that the caching allocator serves it.
template <class Partial>
Tensor partials_scratch(std::int64_t count) {
  const auto bytes = static_cast<std::int64_t>(sizeof(Partial)) * count;
  return Tensor::empty({(bytes + 7) / 8}, DType::i64, current());
}

constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;

// ---- rows (N == 1) -------------------------------------------------------------

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
  const auto blocks = static_cast<unsigned int>(std::min(rows * split.chunks, kMaxGrid));
  if (split.chunks == 1) {
    fold_chunks_kernel<Fold>
        <<<blocks, split.threads, 0, stream()>>>(out, nullptr, x, split, finish);
    check_launch(op);
    return;
  }
  const Tensor scratch = partials_scratch<Partial>(rows * split.chunks);
  auto* partials = static_cast<Partial*>(scratch.raw_data());
  fold_chunks_kernel<Fold><<<blocks, split.threads, 0, stream()>>>(out, partials, x, split, finish);
  check_launch(op);
  const auto combine_blocks = static_cast<unsigned int>(std::min(rows, kMaxGrid));
  combine_chunks_kernel<Fold><<<combine_blocks, block_threads_for(split.chunks), 0, stream()>>>(
      out, partials, split, finish);
  check_launch(op);
}

// ---- columns (N > 1) --------------------------------------------------------------

struct ColumnSplit {
  std::int64_t outer, length, inner, chunks, chunk_length;
  __host__ __device__ std::int64_t columns() const { return outer * inner; }
};

ColumnSplit split_columns(std::int64_t outer, std::int64_t length, std::int64_t inner) {
  // About as many threads as the largest GPUs hold resident, with chunks long
  // enough that a thread's own loop dominates the combining.
  constexpr std::int64_t kTargetThreads = std::int64_t{1} << 18, kMinChunk = 128;
  const std::int64_t columns = outer * inner;
  std::int64_t chunks = 1;
  if (columns < kTargetThreads && length > 2 * kMinChunk)
    chunks = std::min((length + kMinChunk - 1) / kMinChunk,
                      (kTargetThreads + columns - 1) / columns);
  const std::int64_t chunk_length = (length + chunks - 1) / chunks;
  chunks = (length + chunk_length - 1) / chunk_length;
  return {outer, length, inner, chunks, chunk_length};
}

// Work item w folds chunk w / columns of column w % columns, column c being
// (m, n) = (c / N, c % N), the elements x[m, r, n] for r in the chunk; with
// one chunk the result goes straight to out[m, n] (= out[c]), else to partials[w].
template <class Fold, class T, class Out, class Finish>
__global__ void fold_columns_kernel(Out* out, typename Fold::Partial* partials, const T* x,
                                    ColumnSplit split, Finish finish) {
  using Partial = typename Fold::Partial;
  const std::int64_t columns = split.columns();
  for (std::int64_t work = thread_index(); work < columns * split.chunks;
       work += thread_count()) {
    const std::int64_t chunk = work / columns, column = work % columns;
    const std::int64_t m = column / split.inner, n = column % split.inner;
    const std::int64_t begin = chunk * split.chunk_length;
    const std::int64_t end = min(split.length, begin + split.chunk_length);
    const T* lane = x + m * split.length * split.inner + n;
    Partial p = Fold::of(lane[begin * split.inner], begin);
    for (std::int64_t r = begin + 1; r < end; ++r)
      p = Fold::combine(p, Fold::of(lane[r * split.inner], r));
    if (split.chunks == 1)
      out[column] = finish(p);
    else
      partials[work] = p;
  }
}

template <class Fold, class Out, class Finish>
__global__ void combine_column_chunks_kernel(Out* out, const typename Fold::Partial* partials,
                                             ColumnSplit split, Finish finish) {
  using Partial = typename Fold::Partial;
  const std::int64_t columns = split.columns();
  for (std::int64_t column = thread_index(); column < columns; column += thread_count()) {
    Partial p = partials[column];
    for (std::int64_t c = 1; c < split.chunks; ++c)
      p = Fold::combine(p, partials[c * columns + column]);
    out[column] = finish(p);
  }
}

template <class Fold, class T, class Out, class Finish>
void fold_columns(const char* op, Out* out, const T* x, std::int64_t outer, std::int64_t length,
                  std::int64_t inner, Finish finish) {
  using Partial = typename Fold::Partial;
  const ColumnSplit split = split_columns(outer, length, inner);
  const std::int64_t columns = split.columns();
  if (split.chunks == 1) {
    fold_columns_kernel<Fold>
        <<<blocks_for(columns), kThreads, 0, stream()>>>(out, nullptr, x, split, finish);
    check_launch(op);
    return;
  }
  const Tensor scratch = partials_scratch<Partial>(columns * split.chunks);
  auto* partials = static_cast<Partial*>(scratch.raw_data());
  fold_columns_kernel<Fold><<<blocks_for(columns * split.chunks), kThreads, 0, stream()>>>(
      out, partials, x, split, finish);
  check_launch(op);
  combine_column_chunks_kernel<Fold>
      <<<blocks_for(columns), kThreads, 0, stream()>>>(out, partials, split, finish);
  check_launch(op);
}

// ---- dispatch ----------------------------------------------------------------------

// x [M, R, N], R > 0.
struct Layout {
  std::int64_t outer, length, inner;
};

template <class Fold, class T, class Out, class Finish>
void fold(const char* op, Out* out, const T* x, Layout layout, Finish finish) {
  if (layout.inner == 1)
    return fold_rows<Fold>(op, out, x, layout.outer, layout.length, finish);
  fold_columns<Fold>(op, out, x, layout.outer, layout.length, layout.inner, finish);
}

template <class T>
void reduce_typed(ReduceOp op, const Tensor& out, const Tensor& x) {
  CHASE_CHECK(std::is_floating_point_v<T> || op != ReduceOp::mean,
              "reduce: mean is not defined for dtype {}", name(x.dtype()));
  if (out.numel() == 0) return;
  const Layout layout{x.size(0), x.size(1), x.size(2)};
  if (layout.length == 0) return kernels_for(out.device()).fill(out, empty_reduction_value(op));
  const T* in = x.data<T>();
  const char* op_name = name(op);
  switch (op) {
    case ReduceOp::sum:
      return fold<SumFold<T>>(op_name, out.data<T>(), in, layout, SumFinish<T>{});
    case ReduceOp::mean:
      return fold<SumFold<T>>(op_name, out.data<T>(), in, layout,
                              MeanFinish<T>{static_cast<double>(layout.length)});
    case ReduceOp::max:
      return fold<ExtremumFold<T, true>>(op_name, out.data<T>(), in, layout, ValueFinish<T>{});
    case ReduceOp::min:
      return fold<ExtremumFold<T, false>>(op_name, out.data<T>(), in, layout, ValueFinish<T>{});
    case ReduceOp::argmax:
      return fold<ExtremumFold<T, true>>(op_name, out.data<std::int64_t>(), in, layout,
                                         IndexFinish<T>{});
    case ReduceOp::argmin:
      return fold<ExtremumFold<T, false>>(op_name, out.data<std::int64_t>(), in, layout,
                                          IndexFinish<T>{});
  }
}

}  // namespace

void CudaKernels::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  select_device(name(op), out, x);
  visit_dtype(x.dtype(), [&](auto zero) { reduce_typed<decltype(zero)>(op, out, x); });
}

}  // namespace chase::cuda

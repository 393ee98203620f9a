// Reductions over the middle dim: x [M, R, N] -> out [M, N] (sum, mean, max,
// min, argmax, argmin).
//
// N == 1, rows: each row is folded in fixed chunks of `chunk` elements whose
// partial results are combined left to right. Rows run in parallel when there
// are enough of them; a few long rows (a full-tensor sum) instead spread their
// chunks over the threads. Both schedules combine the same partials in the
// same order, so the result never depends on the thread count.
//
// N > 1, columns: a block of up to `column_block` neighbouring columns is
// folded together, one of its rows (contiguous, so the loop vectorises) after
// another, each column's accumulator seeing its R elements in order. Blocks run
// in parallel; the order of the additions is fixed, whatever the thread count.
#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/scalar_math.h"

namespace chase {
namespace {

constexpr std::int64_t chunk = 8192;

// f32 sums accumulate in double: a float accumulator loses about log2(R) bits
// over a row of R elements, which is visible in gradients of large batches.
template <class T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

template <class T>
struct SumFold {
  using Partial = Accumulator<T>;
  static Partial chunk_of(const T* x, std::int64_t start, std::int64_t n) {
    Partial s = 0;
#pragma omp simd reduction(+ : s)
    for (std::int64_t i = start; i < start + n; ++i) s += x[i];
    return s;
  }
  static Partial combine(Partial a, Partial b) { return a + b; }
};

// The extreme value of a row and the position of its first occurrence, in the
// order of scalar::more_extreme (NaN beats every number).
template <class T, bool largest>
struct ExtremumFold {
  struct Partial {
    T value;
    std::int64_t index;
  };
  static Partial chunk_of(const T* x, std::int64_t start, std::int64_t n) {
    Partial p{x[start], start};
    for (std::int64_t i = start + 1; i < start + n; ++i)
      if (scalar::more_extreme<largest>(x[i], p.value)) p = {x[i], i};
    return p;
  }
  // a covers earlier elements than b, so a tie keeps a: the first extremum wins.
  static Partial combine(Partial a, Partial b) {
    return scalar::more_extreme<largest>(b.value, a.value) ? b : a;
  }
};

template <class Fold, class T>
typename Fold::Partial fold_row_serial(const T* row, std::int64_t length) {
  auto acc = Fold::chunk_of(row, 0, std::min(chunk, length));
  for (std::int64_t start = chunk; start < length; start += chunk)
    acc = Fold::combine(acc, Fold::chunk_of(row, start, std::min(chunk, length - start)));
  return acc;
}

template <class Fold, class T>
typename Fold::Partial fold_row_parallel(const T* row, std::int64_t length) {
  const auto chunks = (length + chunk - 1) / chunk;
  std::vector<typename Fold::Partial> partials(static_cast<std::size_t>(chunks));
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < chunks; ++c)
    partials[c] = Fold::chunk_of(row, c * chunk, std::min(chunk, length - c * chunk));
  auto acc = partials[0];
  for (std::int64_t c = 1; c < chunks; ++c) acc = Fold::combine(acc, partials[c]);
  return acc;
}

// Folds every row of x [M, R] (R > 0) and writes finish(partial) to out[m].
template <class Fold, class T, class Out, class Finish>
void fold_rows(Out* out, const T* x, std::int64_t rows, std::int64_t length, Finish finish) {
  const bool split_rows = rows < omp_get_max_threads() && length > 2 * chunk;
  if (split_rows) {
    for (std::int64_t m = 0; m < rows; ++m)
      out[m] = finish(fold_row_parallel<Fold>(x + m * length, length));
    return;
  }
#pragma omp parallel for schedule(static) if (rows * length > 32768)
  for (std::int64_t m = 0; m < rows; ++m)
    out[m] = finish(fold_row_serial<Fold>(x + m * length, length));
}

constexpr std::int64_t column_block = 256;

// Calls block(m, first, width) for every block of up to column_block
// neighbouring columns [first, first + width) of every slice m of x
// [M, R, N], in parallel: blocks write disjoint outputs.
template <class Block>
void for_each_column_block(std::int64_t outer, std::int64_t length, std::int64_t inner,
                           Block block) {
  const std::int64_t blocks_per_slice = (inner + column_block - 1) / column_block;
#pragma omp parallel for schedule(static) if (outer * length * inner > 32768)
  for (std::int64_t b = 0; b < outer * blocks_per_slice; ++b) {
    const std::int64_t m = b / blocks_per_slice, first = (b % blocks_per_slice) * column_block;
    block(m, first, std::min(column_block, inner - first));
  }
}

// Sums every column of x [M, R, N] (R > 0, N > 1) in an Accumulator<T>, as
// SumFold does a row, and writes finish(sum) to out[m, n].
template <class T, class Out, class Finish>
void sum_columns(Out* out, const T* x, std::int64_t outer, std::int64_t length,
                 std::int64_t inner, Finish finish) {
  for_each_column_block(outer, length, inner, [&](std::int64_t m, std::int64_t first,
                                                  std::int64_t width) {
    Accumulator<T> acc[column_block] = {};
    const T* slice = x + m * length * inner + first;
    for (std::int64_t r = 0; r < length; ++r) {
      const T* row = slice + r * inner;
#pragma omp simd
      for (std::int64_t j = 0; j < width; ++j) acc[j] += row[j];
    }
    for (std::int64_t j = 0; j < width; ++j) out[m * inner + first + j] = finish(acc[j]);
  });
}

// The extreme value of every column and its row, in the order of
// scalar::more_extreme; writes pick(value, row) to out[m, n].
template <class T, bool largest, class Out, class Pick>
void extremum_columns(Out* out, const T* x, std::int64_t outer, std::int64_t length,
                      std::int64_t inner, Pick pick) {
  for_each_column_block(outer, length, inner, [&](std::int64_t m, std::int64_t first,
                                                  std::int64_t width) {
    const T* slice = x + m * length * inner + first;
    T value[column_block];
    std::int64_t index[column_block] = {};
    std::copy(slice, slice + width, value);
    for (std::int64_t r = 1; r < length; ++r) {
      const T* row = slice + r * inner;
      for (std::int64_t j = 0; j < width; ++j) {
        // Strictly more extreme: a tie keeps the earlier row.
        if (scalar::more_extreme<largest>(row[j], value[j])) {
          value[j] = row[j];
          index[j] = r;
        }
      }
    }
    for (std::int64_t j = 0; j < width; ++j) out[m * inner + first + j] = pick(value[j], index[j]);
  });
}

template <class T>
void reduce_rows(ReduceOp op, const Tensor& out, const T* in, std::int64_t rows,
                 std::int64_t length) {
  auto value = [](auto partial) { return partial.value; };
  auto index = [](auto partial) { return partial.index; };
  switch (op) {
    case ReduceOp::sum:
      return fold_rows<SumFold<T>>(out.data<T>(), in, rows, length,
                                   [](auto s) { return static_cast<T>(s); });
    case ReduceOp::mean:
      return fold_rows<SumFold<T>>(out.data<T>(), in, rows, length, [&](auto s) {
        return static_cast<T>(static_cast<double>(s) / static_cast<double>(length));
      });
    case ReduceOp::max:
      return fold_rows<ExtremumFold<T, true>>(out.data<T>(), in, rows, length, value);
    case ReduceOp::min:
      return fold_rows<ExtremumFold<T, false>>(out.data<T>(), in, rows, length, value);
    case ReduceOp::argmax:
      return fold_rows<ExtremumFold<T, true>>(out.data<std::int64_t>(), in, rows, length, index);
    case ReduceOp::argmin:
      return fold_rows<ExtremumFold<T, false>>(out.data<std::int64_t>(), in, rows, length, index);
  }
}

template <class T>
void reduce_columns(ReduceOp op, const Tensor& out, const T* in, std::int64_t outer,
                    std::int64_t length, std::int64_t inner) {
  auto value = [](T v, std::int64_t) { return v; };
  auto index = [](T, std::int64_t i) { return i; };
  switch (op) {
    case ReduceOp::sum:
      return sum_columns(out.data<T>(), in, outer, length, inner,
                         [](auto s) { return static_cast<T>(s); });
    case ReduceOp::mean:
      return sum_columns(out.data<T>(), in, outer, length, inner, [&](auto s) {
        return static_cast<T>(static_cast<double>(s) / static_cast<double>(length));
      });
    case ReduceOp::max:
      return extremum_columns<T, true>(out.data<T>(), in, outer, length, inner, value);
    case ReduceOp::min:
      return extremum_columns<T, false>(out.data<T>(), in, outer, length, inner, value);
    case ReduceOp::argmax:
      return extremum_columns<T, true>(out.data<std::int64_t>(), in, outer, length, inner, index);
    case ReduceOp::argmin:
      return extremum_columns<T, false>(out.data<std::int64_t>(), in, outer, length, inner,
                                        index);
  }
}

template <class T>
void reduce_typed(ReduceOp op, const Tensor& out, const Tensor& x) {
  CHASE_CHECK(std::is_floating_point_v<T> || op != ReduceOp::mean,
              "reduce: mean is not defined for dtype {}", name(x.dtype()));
  if (out.numel() == 0) return;
  const std::int64_t outer = x.size(0), length = x.size(1), inner = x.size(2);
  if (length == 0) return reference_kernels().fill(out, empty_reduction_value(op));
  if (inner == 1) return reduce_rows(op, out, x.data<T>(), outer, length);
  reduce_columns(op, out, x.data<T>(), outer, length, inner);
}

}  // namespace

void RefKernels::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  visit_dtype(x.dtype(), [&](auto zero) { reduce_typed<decltype(zero)>(op, out, x); });
}

}  // namespace chase

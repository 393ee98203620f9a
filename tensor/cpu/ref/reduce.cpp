// Row reductions: x [M, R] -> out [M] (sum, mean, max, min, argmax, argmin).
//
// Each row is folded in fixed chunks of `chunk` elements whose partial results
// are combined left to right. Rows run in parallel when there are enough of them;
// a few long rows (a full-tensor sum) instead spread their chunks over the
// threads. Both schedules combine the same partials in the same order, so the
// result never depends on the thread count.
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

template <class T>
void reduce_typed(ReduceOp op, const Tensor& out, const Tensor& x) {
  CHASE_CHECK(std::is_floating_point_v<T> || op != ReduceOp::mean,
              "reduce: mean is not defined for dtype {}", name(x.dtype()));
  const std::int64_t rows = out.numel();
  if (rows == 0) return;
  const std::int64_t length = x.numel() / rows;
  if (length == 0) return reference_kernels().fill(out, empty_reduction_value(op));
  const T* in = x.data<T>();
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

}  // namespace

void RefKernels::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  visit_dtype(x.dtype(), [&](auto zero) { reduce_typed<decltype(zero)>(op, out, x); });
}

}  // namespace chase

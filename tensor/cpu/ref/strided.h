// Iteration over N tensors of one shape with their own strides: the loop nest
// behind every strided reference kernel. The shape is walked as rows of its
// last dim, so the caller's inner loop is a plain strided loop; rows are
// shared among OpenMP threads when there is enough work.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/shape.h"

namespace chase {

// Calls row(base, step, length) once per row: base[k] is the element offset of
// the row's first element in tensor k, step[k] its stride along the last dim.
template <std::size_t N, class RowFn>
void for_each_row(const Shape& shape, const std::array<Shape, N>& strides, RowFn&& row) {
  const auto ndim = std::ssize(shape);
  const auto total = numel(shape);
  if (total == 0) return;
  if (ndim == 0) {
    std::array<std::int64_t, N> base{}, step{};
    row(base, step, std::int64_t{1});
    return;
  }
  const auto length = shape[ndim - 1];
  const auto rows = total / length;
  std::array<std::int64_t, N> step;
  for (std::size_t k = 0; k < N; ++k) step[k] = strides[k][ndim - 1];
#pragma omp parallel for schedule(static) if (total > 32768)
  for (std::int64_t r = 0; r < rows; ++r) {
    std::array<std::int64_t, N> base{};
    auto rest = r;
    for (auto d = ndim - 2; d >= 0; --d) {
      auto i = rest % shape[d];
      rest /= shape[d];
      for (std::size_t k = 0; k < N; ++k) base[k] += i * strides[k][d];
    }
    row(base, step, length);
  }
}

}  // namespace chase

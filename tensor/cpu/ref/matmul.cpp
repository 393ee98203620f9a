// Batched matrix product: out [B, M, N] = a [B, M, K] @ b [B, K, N].
//
// Each output row is built in the i-k-j order: for every k, row k of b is
// scaled by a[i, k] and added to the output row, so the innermost loop walks
// out and b along N with unit stride and vectorises. Sums are accumulated in
// the output type, as BLAS does: for f32 the rounding error grows like
// K * 2^-24 * sum_k |a_ik b_kj|, which tests must allow for.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::matmul(const Tensor& out, const Tensor& a, const Tensor& b) {
  const auto batch = out.size(0), rows = out.size(1), cols = out.size(2), inner = a.size(2);
  // A b without unit stride along N (a transposed view, as in the gradient
  // g @ b^T) would make the inner loop gather; copying it costs K * N per
  // batch against M * K * N for the product.
  const Tensor b_rows = b.strides()[2] == 1 ? b : b.contiguous();
  // Strides as local constants: stores to out cannot change them, so the
  // compiler keeps them in registers and versions the inner loop for unit stride.
  const auto a_batch = a.strides()[0], a_row_step = a.strides()[1], a_col_step = a.strides()[2];
  const auto b_batch = b_rows.strides()[0], b_row_step = b_rows.strides()[1];
  const auto b_col_step = b_rows.strides()[2];
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* o = out.data<T>();
    const T* pa = a.data<T>();
    const T* pb = b_rows.data<T>();
    const auto work = batch * rows * cols * inner;
#pragma omp parallel for schedule(static) if (work > 32768)
    for (std::int64_t row = 0; row < batch * rows; ++row) {
      const auto n = row / rows, i = row % rows;
      T* out_row = o + row * cols;
      const T* a_row = pa + n * a_batch + i * a_row_step;
      const T* b_matrix = pb + n * b_batch;
      for (std::int64_t j = 0; j < cols; ++j) out_row[j] = T(0);
      for (std::int64_t k = 0; k < inner; ++k) {
        const T a_ik = a_row[k * a_col_step];
        const T* b_row = b_matrix + k * b_row_step;
        for (std::int64_t j = 0; j < cols; ++j) out_row[j] += a_ik * b_row[j * b_col_step];
      }
    }
  });
}

}  // namespace chase

// Batched matrix product through cuBLAS: out [B, M, N] = a [B, M, K] @ b [B, K, N].
//
// cuBLAS is column-major. A row-major [R, C] matrix with a unit column stride
// is, read column-major, its own transpose [C, R] with leading dimension equal
// to its row stride; one with a unit row stride is itself, column-major, with
// leading dimension equal to its column stride. So the row-major product
// out = a @ b is computed as the column-major out^T = b^T @ a^T, each operand
// passed as is (op N) or transposed (op T) according to which of its strides
// is 1: transposed views cost no copy. An operand with neither layout (a
// strided slice, an expanded matrix) is copied to contiguous first. Batch
// strides go to cuBLAS as they are, so a stride-0 broadcast batch is free too.
//
// Math mode stays CUBLAS_DEFAULT_MATH: f32 products are computed in f32 (no
// TF32 tensor-core rounding), matching the reference within f32 rounding.
#include <cublas_v2.h>

#include <algorithm>
#include <climits>
#include <mutex>

#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/status.h"

namespace chase::cuda {
namespace {

void check_cublas(cublasStatus_t status, const char* op) {
  CHASE_CHECK(status == CUBLAS_STATUS_SUCCESS, "{}: cuBLAS error {}: {}", op,
              cublasGetStatusName(status), cublasGetStatusString(status));
}

// One handle per device, bound to that device's stream. Never destroyed (the
// runtime may be gone by static destruction); the mutex serialises calls, as
// a handle may not be used by two threads at once.
struct Blas {
  cublasHandle_t handle = nullptr;
  std::mutex mutex;
};

// The current device's.
Blas& blas() {
  static auto& per_device = *new PerDevice<Blas>;
  return per_device.get(current_device(), [] {
    auto* created = new Blas;
    check_cublas(cublasCreate(&created->handle), "matmul: cublasCreate");
    check_cublas(cublasSetStream(created->handle, stream()), "matmul: cublasSetStream");
    return created;
  });
}

// One matrix operand as cuBLAS takes it: the transpose of the row-major
// [rows, cols] matrix, i.e. a column-major [cols, rows] matrix.
struct Operand {
  Tensor tensor;  // the tensor whose memory is read (the input, or a contiguous copy)
  cublasOperation_t op;
  std::int64_t leading;
  std::int64_t batch_stride;
};

// Strides of a size-1 dim are never used: any value that passes cuBLAS's
// checks (ld >= number of rows of the stored matrix) will do.
Operand as_operand(const Tensor& t) {
  const std::int64_t rows = t.size(1), cols = t.size(2);
  const std::int64_t row_stride = t.strides()[1], col_stride = t.strides()[2];
  const std::int64_t batch_stride = t.size(0) == 1 ? 0 : t.strides()[0];
  const bool unit_cols = cols == 1 || col_stride == 1;
  const bool unit_rows = rows == 1 || row_stride == 1;
  // Read column-major, row-major memory is the transpose we need: op N.
  if (unit_cols && (rows == 1 || row_stride >= cols))
    return {t, CUBLAS_OP_N, rows == 1 ? std::max<std::int64_t>(cols, 1) : row_stride, batch_stride};
  // Column-major memory is the matrix itself: transpose it, op T.
  if (unit_rows && (cols == 1 || col_stride >= rows))
    return {t, CUBLAS_OP_T, cols == 1 ? std::max<std::int64_t>(rows, 1) : col_stride, batch_stride};
  const Tensor packed = t.contiguous();
  return {packed, CUBLAS_OP_N, std::max<std::int64_t>(cols, 1), t.size(0) == 1 ? 0 : rows * cols};
}

int as_int(std::int64_t value, const char* what) {
  CHASE_CHECK(value <= INT_MAX, "matmul: {} = {} exceeds cuBLAS's 32-bit limit", what, value);
  return static_cast<int>(value);
}

}  // namespace

void CudaKernels::matmul(const Tensor& out, const Tensor& a, const Tensor& b) {
  select_device("matmul", out, a, b);
  const std::int64_t batch = out.size(0), rows = out.size(1), cols = out.size(2);
  const std::int64_t inner = a.size(2);
  if (out.numel() == 0) return;
  if (inner == 0) return fill(out, 0.0);  // an empty sum
  const Operand lhs = as_operand(b);      // b^T: [N, K] column-major
  const Operand rhs = as_operand(a);      // a^T: [K, M] column-major
  const int m = as_int(cols, "N"), n = as_int(rows, "M"), k = as_int(inner, "K");
  const int count = as_int(batch, "batch");
  const int ld_lhs = as_int(lhs.leading, "b's leading dimension");
  const int ld_rhs = as_int(rhs.leading, "a's leading dimension");
  Blas& library = blas();
  std::lock_guard lock(library.mutex);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T one = 1, nothing = 0;
    const T* pb = lhs.tensor.data<T>();
    const T* pa = rhs.tensor.data<T>();
    T* po = out.data<T>();
    if constexpr (sizeof(T) == 4) {
      check_cublas(cublasSgemmStridedBatched(library.handle, lhs.op, rhs.op, m, n, k, &one, pb,
                                             ld_lhs, lhs.batch_stride, pa, ld_rhs, rhs.batch_stride,
                                             &nothing, po, m, rows * cols, count),
                   "matmul");
    } else {
      check_cublas(cublasDgemmStridedBatched(library.handle, lhs.op, rhs.op, m, n, k, &one, pb,
                                             ld_lhs, lhs.batch_stride, pa, ld_rhs, rhs.batch_stride,
                                             &nothing, po, m, rows * cols, count),
                   "matmul");
    }
  });
}

}  // namespace chase::cuda

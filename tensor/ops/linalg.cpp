// Matrix products. Operands may be any strided views: the kernel reads them
// through their strides, so a transposed matrix or a broadcast batch costs no copy.
#include <algorithm>

#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_floating(a, "bmm", "a");
  check_matches(b, "b", a, "a", "bmm");
  CHASE_CHECK(a.dim() == 3 && b.dim() == 3,
              "bmm: expected [B, M, K] and [B, K, N], got shapes {} and {}", to_string(a.shape()),
              to_string(b.shape()));
  CHASE_CHECK(a.size(0) == b.size(0) && a.size(2) == b.size(1),
              "bmm: shapes {} and {} cannot be multiplied (batch {} vs {}, inner dims {} vs {})",
              to_string(a.shape()), to_string(b.shape()), a.size(0), b.size(0), a.size(2),
              b.size(1));
  Tensor out = Tensor::empty({a.size(0), a.size(1), b.size(2)}, a.dtype(), a.device());
  kernels_for(a.device()).matmul(out, a, b);
  return out;
}

// As PyTorch: a 1-d a is a row [1, K] and a 1-d b a column [K, 1], and the
// added dim is dropped from the result; dims before the last two are batch
// dims and broadcast.
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_floating(a, "matmul", "a");
  check_matches(b, "b", a, "a", "matmul");
  CHASE_CHECK(a.dim() >= 1 && b.dim() >= 1,
              "matmul: operands need at least 1 dim, got shapes {} and {}", to_string(a.shape()),
              to_string(b.shape()));
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  const auto rows = a2.size(-2), inner = a2.size(-1), cols = b2.size(-1);
  CHASE_CHECK(inner == b2.size(-2),
              "matmul: shapes {} and {} cannot be multiplied ({} columns vs {} rows)",
              to_string(a.shape()), to_string(b.shape()), inner, b2.size(-2));

  const Shape a_batch(a2.shape().begin(), a2.shape().end() - 2);
  const Shape b_batch(b2.shape().begin(), b2.shape().end() - 2);
  const auto ndim = std::max(a_batch.size(), b_batch.size());
  Shape batch(ndim);
  for (std::size_t i = 0; i < ndim; ++i) {
    const auto da = i < ndim - a_batch.size() ? 1 : a_batch[i - (ndim - a_batch.size())];
    const auto db = i < ndim - b_batch.size() ? 1 : b_batch[i - (ndim - b_batch.size())];
    CHASE_CHECK(da == db || da == 1 || db == 1,
                "matmul: batch dims of shapes {} and {} cannot be broadcast together",
                to_string(a.shape()), to_string(b.shape()));
    batch[i] = da == 1 ? db : da;
  }

  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {rows, inner});
  b_full.insert(b_full.end(), {inner, cols});
  const auto count = numel(batch);
  // Broadcast batch dims have stride 0, so these reshapes are views unless the
  // batch dims cannot be merged into one.
  Tensor out = bmm(a2.expand(a_full).reshape({count, rows, inner}),
                   b2.expand(b_full).reshape({count, inner, cols}));

  Shape result = batch;
  if (a.dim() > 1) result.push_back(rows);
  if (b.dim() > 1) result.push_back(cols);
  return out.view(result);
}

}  // namespace chase

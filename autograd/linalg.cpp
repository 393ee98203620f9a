// Matrix products. For out = a @ b (batch dims broadcast):
//   grad_a = grad_out @ b^T, grad_b = a^T @ grad_out,
// each summed over the batch dims its input was broadcast along.
#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {

using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;

Tensor transposed(const Tensor& t) { return t.transpose(-1, -2); }

// a [..., M, K] @ b [..., K, N], both at least 2-d.
Variable matrix_product(const Variable& a, const Variable& b) {
  const Tensor &av = a.value(), &bv = b.value();
  return record("matmul", matmul(av, bv), {a, b},
                [sa = av.shape(), sb = bv.shape(), av = keep_if(b.requires_grad(), av),
                 bv = keep_if(a.requires_grad(), bv)](const Tensor& g, const Needs& needs) {
                  // g: [..., M, N]
                  return Grads{needs[0] ? sum_to(matmul(g, transposed(bv)), sa) : Tensor(),
                               needs[1] ? sum_to(matmul(transposed(av), g), sb) : Tensor()};
                });
}

}  // namespace

Variable matmul(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "matmul"), &bv = value_of(b, "matmul");
  CHASE_CHECK(av.dim() >= 1 && bv.dim() >= 1, "matmul: operands must have at least 1 dim, got {} and {}",
              to_string(av.shape()), to_string(bv.shape()));
  // 1-d operands as PyTorch: a vector a is a row [1, K], a vector b a column
  // [K, 1], and the added dim is removed from the result.
  if (av.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), bv.dim() == 1 ? -1 : -2);
  if (bv.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  return matrix_product(a, b);
}

Variable bmm(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "bmm"), &bv = value_of(b, "bmm");
  return record("bmm", bmm(av, bv), {a, b},
                [av = keep_if(b.requires_grad(), av),
                 bv = keep_if(a.requires_grad(), bv)](const Tensor& g, const Needs& needs) {
                  // g: [B, M, N], a: [B, M, K], b: [B, K, N]
                  return Grads{needs[0] ? bmm(g, transposed(bv)) : Tensor(),
                               needs[1] ? bmm(transposed(av), g) : Tensor()};
                });
}

}  // namespace chase

// Softmax and log-softmax along one dim, and their gradients from the forward's output.
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {
namespace {

Tensor softmax_forward(const Tensor& x, std::int64_t dim, bool log, const char* op) {
  check_floating(x, op, "input");
  CHASE_CHECK(x.dim() >= 1, "{}: expected at least 1 dim, got a scalar", op);
  const auto d = normalize_dim(dim, x.dim(), op);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  kernels_for(x.device()).softmax(out, x.contiguous(), d, log);
  return out;
}

Tensor softmax_gradient(const Tensor& grad_out, const Tensor& y, std::int64_t dim, bool log,
                        const char* op) {
  check_floating(y, op, "output");
  check_matches(grad_out, "grad_out", y, "output", op);
  check_shape(grad_out, y.shape(), op, "grad_out");
  CHASE_CHECK(y.dim() >= 1, "{}: expected at least 1 dim, got a scalar", op);
  const auto d = normalize_dim(dim, y.dim(), op);
  Tensor grad_x = Tensor::empty(y.shape(), y.dtype(), y.device());
  kernels_for(y.device()).softmax_backward(grad_x, grad_out.contiguous(), y.contiguous(), d, log);
  return grad_x;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  return softmax_forward(x, dim, false, "softmax");
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return softmax_forward(x, dim, true, "log_softmax");
}

Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, std::int64_t dim) {
  return softmax_gradient(grad_out, y, dim, false, "softmax_backward");
}

Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& y, std::int64_t dim) {
  return softmax_gradient(grad_out, y, dim, true, "log_softmax_backward");
}

}  // namespace chase

// Elementwise ops: checked, broadcast (NumPy rules) and dispatched to the
// device's unary/binary/where kernels. Inputs share one dtype, which is also the
// output's: there is no implicit type promotion. Ops that need real numbers
// (exp, div, pow, ...) refuse i64; neg, abs, sign, relu, add, sub, mul,
// maximum, minimum and the comparisons work on i64 too.
#include <cmath>

#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace chase {
namespace {

void check_floating(const char* op, const Tensor& x) {
  CHASE_CHECK(is_floating(x.dtype()), "{}: needs a floating dtype (f32 or f64), got {}", op,
              name(x.dtype()));
}

void check_defined(const char* op, const Tensor& x) {
  CHASE_CHECK(x.defined(), "{}: got an undefined tensor", op);
}

void check_same_kind(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  CHASE_CHECK(a.device() == b.device(), "{}: tensors on different devices, {} and {}", op,
              a.device().str(), b.device().str());
  CHASE_CHECK(a.dtype() == b.dtype(), "{}: dtypes differ, {} and {}", op, name(a.dtype()),
              name(b.dtype()));
}

Tensor unary_op(UnaryOp kernel_op, const Tensor& x) {
  const char* op = name(kernel_op);
  check_defined(op, x);
  if (needs_floating(kernel_op)) check_floating(op, x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  kernels_for(x.device()).unary(kernel_op, out, x);
  return out;
}

// `op` names the public op in errors: the kernel's own name, or clamp's.
Tensor binary_op(const char* op, BinaryOp kernel_op, const Tensor& a, const Tensor& b) {
  check_same_kind(op, a, b);
  if (needs_floating(kernel_op)) check_floating(op, a);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  kernels_for(a.device()).binary(kernel_op, out, a.expand(shape), b.expand(shape));
  return out;
}

// A 0-d tensor holding value in like's dtype and device. An i64 tensor takes
// only whole numbers: rounding 0.5 away silently would change the result.
Tensor scalar_like(const char* op, const Tensor& like, double value) {
  check_defined(op, like);
  CHASE_CHECK(is_floating(like.dtype()) || value == std::trunc(value),
              "{}: scalar {} is not a whole number, but the tensor is i64", op, value);
  return Tensor::scalar(value, like.dtype(), like.device());
}

Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b) {
  return binary_op(name(op), op, a, b);
}

// a op b with b a number, taken in a's dtype.
Tensor binary_op(BinaryOp op, const Tensor& a, double b) {
  return binary_op(op, a, scalar_like(name(op), a, b));
}

}  // namespace

// ---- unary ------------------------------------------------------------------------

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::neg, x); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::exp, x); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::log, x); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::sqrt, x); }
Tensor rsqrt(const Tensor& x) { return unary_op(UnaryOp::rsqrt, x); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::abs, x); }
Tensor sign(const Tensor& x) { return unary_op(UnaryOp::sign, x); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::relu, x); }
Tensor gelu(const Tensor& x) { return unary_op(UnaryOp::gelu, x); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::sigmoid, x); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::tanh, x); }
Tensor erf(const Tensor& x) { return unary_op(UnaryOp::erf, x); }

// ---- binary -----------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::minimum, a, b); }

Tensor add(const Tensor& a, double b) { return binary_op(BinaryOp::add, a, b); }
Tensor sub(const Tensor& a, double b) { return binary_op(BinaryOp::sub, a, b); }
Tensor mul(const Tensor& a, double b) { return binary_op(BinaryOp::mul, a, b); }
Tensor div(const Tensor& a, double b) { return binary_op(BinaryOp::div, a, b); }
Tensor pow(const Tensor& a, double exponent) { return binary_op(BinaryOp::pow, a, exponent); }

// ---- comparisons --------------------------------------------------------------------

Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::ge, a, b); }
Tensor gt(const Tensor& a, double b) { return binary_op(BinaryOp::gt, a, b); }
Tensor lt(const Tensor& a, double b) { return binary_op(BinaryOp::lt, a, b); }

// ---- selection ------------------------------------------------------------------------

// cond may have any dtype (nonzero selects a); a and b give the output's dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_kind("where", a, b);
  check_defined("where", cond);
  CHASE_CHECK(cond.device() == a.device(), "where: condition on {} but values on {}",
              cond.device().str(), a.device().str());
  Shape shape =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  kernels_for(a.device()).where(out, cond.expand(shape), a.expand(shape), b.expand(shape));
  return out;
}

// NaN stays NaN (maximum/minimum propagate it), as in PyTorch.
Tensor clamp(const Tensor& x, std::optional<double> low, std::optional<double> high) {
  CHASE_CHECK(low || high, "clamp: needs a lower bound, an upper bound or both");
  CHASE_CHECK(!low || !high || *low <= *high, "clamp: lower bound {} is above upper bound {}", *low,
              *high);
  Tensor out = x;
  if (low) out = binary_op("clamp", BinaryOp::maximum, out, scalar_like("clamp", x, *low));
  if (high) out = binary_op("clamp", BinaryOp::minimum, out, scalar_like("clamp", x, *high));
  return out;
}

Tensor gelu_backward(const Tensor& grad_out, const Tensor& x) {
  return binary_op(BinaryOp::gelu_backward, grad_out, x);
}

Tensor tanh_backward(const Tensor& grad_out, const Tensor& y) {
  return binary_op(BinaryOp::tanh_backward, grad_out, y);
}

Tensor sigmoid_backward(const Tensor& grad_out, const Tensor& y) {
  return binary_op(BinaryOp::sigmoid_backward, grad_out, y);
}

}  // namespace chase

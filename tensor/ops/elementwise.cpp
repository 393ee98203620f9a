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

enum class Domain { any, floating };

void check_domain(const char* op, const Tensor& x, Domain domain) {
  CHASE_CHECK(domain == Domain::any || is_floating(x.dtype()),
              "{}: needs a floating dtype (f32 or f64), got {}", op, name(x.dtype()));
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

Tensor unary_op(const char* op, UnaryOp kernel_op, const Tensor& x, Domain domain) {
  check_defined(op, x);
  check_domain(op, x, domain);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  kernels_for(x.device()).unary(kernel_op, out, x);
  return out;
}

Tensor binary_op(const char* op, BinaryOp kernel_op, const Tensor& a, const Tensor& b,
                 Domain domain) {
  check_same_kind(op, a, b);
  check_domain(op, a, domain);
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

}  // namespace

// ---- unary ------------------------------------------------------------------------

Tensor neg(const Tensor& x) { return unary_op("neg", UnaryOp::neg, x, Domain::any); }
Tensor exp(const Tensor& x) { return unary_op("exp", UnaryOp::exp, x, Domain::floating); }
Tensor log(const Tensor& x) { return unary_op("log", UnaryOp::log, x, Domain::floating); }
Tensor sqrt(const Tensor& x) { return unary_op("sqrt", UnaryOp::sqrt, x, Domain::floating); }
Tensor rsqrt(const Tensor& x) { return unary_op("rsqrt", UnaryOp::rsqrt, x, Domain::floating); }
Tensor abs(const Tensor& x) { return unary_op("abs", UnaryOp::abs, x, Domain::any); }
Tensor sign(const Tensor& x) { return unary_op("sign", UnaryOp::sign, x, Domain::any); }
Tensor relu(const Tensor& x) { return unary_op("relu", UnaryOp::relu, x, Domain::any); }
Tensor gelu(const Tensor& x) { return unary_op("gelu", UnaryOp::gelu, x, Domain::floating); }
Tensor sigmoid(const Tensor& x) {
  return unary_op("sigmoid", UnaryOp::sigmoid, x, Domain::floating);
}
Tensor tanh(const Tensor& x) { return unary_op("tanh", UnaryOp::tanh, x, Domain::floating); }
Tensor erf(const Tensor& x) { return unary_op("erf", UnaryOp::erf, x, Domain::floating); }

// ---- binary -----------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  return binary_op("add", BinaryOp::add, a, b, Domain::any);
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary_op("sub", BinaryOp::sub, a, b, Domain::any);
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary_op("mul", BinaryOp::mul, a, b, Domain::any);
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary_op("div", BinaryOp::div, a, b, Domain::floating);
}
Tensor pow(const Tensor& a, const Tensor& b) {
  return binary_op("pow", BinaryOp::pow, a, b, Domain::floating);
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary_op("maximum", BinaryOp::maximum, a, b, Domain::any);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary_op("minimum", BinaryOp::minimum, a, b, Domain::any);
}

Tensor add(const Tensor& a, double b) {
  return binary_op("add", BinaryOp::add, a, scalar_like("add", a, b), Domain::any);
}
Tensor sub(const Tensor& a, double b) {
  return binary_op("sub", BinaryOp::sub, a, scalar_like("sub", a, b), Domain::any);
}
Tensor mul(const Tensor& a, double b) {
  return binary_op("mul", BinaryOp::mul, a, scalar_like("mul", a, b), Domain::any);
}
Tensor div(const Tensor& a, double b) {
  return binary_op("div", BinaryOp::div, a, scalar_like("div", a, b), Domain::floating);
}
Tensor pow(const Tensor& a, double exponent) {
  return binary_op("pow", BinaryOp::pow, a, scalar_like("pow", a, exponent), Domain::floating);
}

// ---- comparisons --------------------------------------------------------------------

Tensor eq(const Tensor& a, const Tensor& b) {
  return binary_op("eq", BinaryOp::eq, a, b, Domain::any);
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return binary_op("ne", BinaryOp::ne, a, b, Domain::any);
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return binary_op("lt", BinaryOp::lt, a, b, Domain::any);
}
Tensor le(const Tensor& a, const Tensor& b) {
  return binary_op("le", BinaryOp::le, a, b, Domain::any);
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return binary_op("gt", BinaryOp::gt, a, b, Domain::any);
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return binary_op("ge", BinaryOp::ge, a, b, Domain::any);
}
Tensor gt(const Tensor& a, double b) {
  return binary_op("gt", BinaryOp::gt, a, scalar_like("gt", a, b), Domain::any);
}
Tensor lt(const Tensor& a, double b) {
  return binary_op("lt", BinaryOp::lt, a, scalar_like("lt", a, b), Domain::any);
}

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
  if (low)
    out = binary_op("clamp", BinaryOp::maximum, out, scalar_like("clamp", x, *low), Domain::any);
  if (high)
    out = binary_op("clamp", BinaryOp::minimum, out, scalar_like("clamp", x, *high), Domain::any);
  return out;
}

Tensor gelu_backward(const Tensor& grad_out, const Tensor& x) {
  return binary_op("gelu_backward", BinaryOp::gelu_backward, grad_out, x, Domain::floating);
}

}  // namespace chase

// Elementwise functions: unary ops, binary ops with broadcasting, where, clamp,
// and the arithmetic operators. Every gradient below has the output's shape
// before sum_to takes it back to the (possibly broadcast) input's shape.
#include <cmath>
#include <numbers>

#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {

using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;

}  // namespace

// ---- unary ------------------------------------------------------------------------

Variable neg(const Variable& x) {
  return record("neg", neg(value_of(x, "neg")), {x},
                [](const Tensor& g, const Needs&) { return Grads{neg(g)}; });
}

Variable exp(const Variable& x) {
  Tensor y = exp(value_of(x, "exp"));
  // d exp(x) = exp(x) = y
  return record("exp", y, {x}, [y](const Tensor& g, const Needs&) { return Grads{mul(g, y)}; });
}

Variable log(const Variable& x) {
  const Tensor& xv = value_of(x, "log");
  return record("log", log(xv), {x},
                [xv](const Tensor& g, const Needs&) { return Grads{div(g, xv)}; });
}

Variable sqrt(const Variable& x) {
  Tensor y = sqrt(value_of(x, "sqrt"));
  // d sqrt(x) = 1 / (2 sqrt(x)) = 0.5 / y
  return record("sqrt", y, {x},
                [y](const Tensor& g, const Needs&) { return Grads{div(mul(g, 0.5), y)}; });
}

Variable rsqrt(const Variable& x) {
  Tensor y = rsqrt(value_of(x, "rsqrt"));
  // d x^(-1/2) = -0.5 x^(-3/2) = -0.5 y^3
  return record("rsqrt", y, {x}, [y](const Tensor& g, const Needs&) {
    return Grads{mul(g, mul(pow(y, 3.0), -0.5))};
  });
}

Variable abs(const Variable& x) {
  const Tensor& xv = value_of(x, "abs");
  return record("abs", abs(xv), {x},
                [xv](const Tensor& g, const Needs&) { return Grads{mul(g, sign(xv))}; });
}

Variable sign(const Variable& x) {
  return record("sign", sign(value_of(x, "sign")), {x},
                [](const Tensor& g, const Needs&) { return Grads{zeros_like(g)}; });
}

Variable relu(const Variable& x) {
  Tensor y = relu(value_of(x, "relu"));
  // The mask y > 0 equals x > 0; the subgradient at 0 is 0, as in PyTorch.
  return record("relu", y, {x},
                [y](const Tensor& g, const Needs&) { return Grads{mul(g, gt(y, 0.0))}; });
}

Variable gelu(const Variable& x) {
  const Tensor& xv = value_of(x, "gelu");
  // d [x Phi(x)] = Phi(x) + x phi(x), evaluated by the dedicated kernel.
  return record("gelu", gelu(xv), {x},
                [xv](const Tensor& g, const Needs&) { return Grads{gelu_backward(g, xv)}; });
}

Variable sigmoid(const Variable& x) {
  Tensor y = sigmoid(value_of(x, "sigmoid"));
  // d sigmoid(x) = y (1 - y)
  return record("sigmoid", y, {x}, [y](const Tensor& g, const Needs&) {
    return Grads{sigmoid_backward(g, y)};
  });
}

Variable tanh(const Variable& x) {
  Tensor y = tanh(value_of(x, "tanh"));
  // d tanh(x) = 1 - y^2
  return record("tanh", y, {x}, [y](const Tensor& g, const Needs&) {
    return Grads{tanh_backward(g, y)};
  });
}

Variable erf(const Variable& x) {
  const Tensor& xv = value_of(x, "erf");
  // d erf(x) = 2 / sqrt(pi) exp(-x^2)
  return record("erf", erf(xv), {x}, [xv](const Tensor& g, const Needs&) {
    return Grads{mul(g, mul(exp(neg(mul(xv, xv))), 2.0 * std::numbers::inv_sqrtpi))};
  });
}

// ---- binary, broadcasting ------------------------------------------------------------------

Variable add(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "add"), &bv = value_of(b, "add");
  return record("add", add(av, bv), {a, b},
                [sa = av.shape(), sb = bv.shape()](const Tensor& g, const Needs& needs) {
                  return Grads{needs[0] ? sum_to(g, sa) : Tensor(),
                               needs[1] ? sum_to(g, sb) : Tensor()};
                });
}

Variable sub(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "sub"), &bv = value_of(b, "sub");
  return record("sub", sub(av, bv), {a, b},
                [sa = av.shape(), sb = bv.shape()](const Tensor& g, const Needs& needs) {
                  return Grads{needs[0] ? sum_to(g, sa) : Tensor(),
                               needs[1] ? sum_to(neg(g), sb) : Tensor()};
                });
}

Variable mul(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "mul"), &bv = value_of(b, "mul");
  // Each input's gradient needs only the other input.
  return record("mul", mul(av, bv), {a, b},
                [sa = av.shape(), sb = bv.shape(), av = keep_if(b.requires_grad(), av),
                 bv = keep_if(a.requires_grad(), bv)](const Tensor& g, const Needs& needs) {
                  return Grads{needs[0] ? sum_to(mul(g, bv), sa) : Tensor(),
                               needs[1] ? sum_to(mul(g, av), sb) : Tensor()};
                });
}

Variable div(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "div"), &bv = value_of(b, "div");
  Tensor y = div(av, bv);
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -y/b
  return record("div", y, {a, b},
                [sa = av.shape(), bv, y = keep_if(b.requires_grad(), y)](const Tensor& g,
                                                                          const Needs& needs) {
                  return Grads{needs[0] ? sum_to(div(g, bv), sa) : Tensor(),
                               needs[1] ? sum_to(neg(div(mul(g, y), bv)), bv.shape()) : Tensor()};
                });
}

Variable pow(const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "pow"), &bv = value_of(b, "pow");
  Tensor y = pow(av, bv);
  // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), defined for a > 0
  return record("pow", y, {a, b}, [av, bv, y](const Tensor& g, const Needs& needs) {
    return Grads{needs[0] ? sum_to(mul(g, mul(bv, pow(av, sub(bv, 1.0)))), av.shape()) : Tensor(),
                 needs[1] ? sum_to(mul(g, mul(y, log(av))), bv.shape()) : Tensor()};
  });
}

namespace {

// maximum/minimum: the gradient goes to the selected input, split equally at
// ties (PyTorch's rule), so that the sum of both gradients is always grad_out.
Variable select_extremum(const char* op, const Variable& a, const Variable& b, bool take_max) {
  const Tensor &av = value_of(a, op), &bv = value_of(b, op);
  Tensor y = take_max ? maximum(av, bv) : minimum(av, bv);
  return record(op, y, {a, b}, [av, bv, take_max](const Tensor& g, const Needs& needs) {
    Tensor half_at_ties = mul(eq(av, bv), 0.5);
    Tensor a_wins = add(take_max ? gt(av, bv) : lt(av, bv), half_at_ties);
    Tensor b_wins = add(take_max ? lt(av, bv) : gt(av, bv), half_at_ties);
    return Grads{needs[0] ? sum_to(mul(g, a_wins), av.shape()) : Tensor(),
                 needs[1] ? sum_to(mul(g, b_wins), bv.shape()) : Tensor()};
  });
}

}  // namespace

Variable maximum(const Variable& a, const Variable& b) {
  return select_extremum("maximum", a, b, true);
}

Variable minimum(const Variable& a, const Variable& b) {
  return select_extremum("minimum", a, b, false);
}

// ---- with a scalar -------------------------------------------------------------------------

Variable add(const Variable& a, double b) {
  return record("add", add(value_of(a, "add"), b), {a},
                [](const Tensor& g, const Needs&) { return Grads{g}; });
}

Variable sub(const Variable& a, double b) {
  return record("sub", sub(value_of(a, "sub"), b), {a},
                [](const Tensor& g, const Needs&) { return Grads{g}; });
}

Variable mul(const Variable& a, double b) {
  return record("mul", mul(value_of(a, "mul"), b), {a},
                [b](const Tensor& g, const Needs&) { return Grads{mul(g, b)}; });
}

Variable div(const Variable& a, double b) {
  return record("div", div(value_of(a, "div"), b), {a},
                [b](const Tensor& g, const Needs&) { return Grads{div(g, b)}; });
}

Variable pow(const Variable& a, double exponent) {
  const Tensor& av = value_of(a, "pow");
  // d a^e = e a^(e-1)
  return record("pow", pow(av, exponent), {a}, [av, exponent](const Tensor& g, const Needs&) {
    return Grads{mul(g, mul(pow(av, exponent - 1.0), exponent))};
  });
}

// ---- selection -----------------------------------------------------------------------------

Variable where(const Tensor& cond, const Variable& a, const Variable& b) {
  const Tensor &av = value_of(a, "where"), &bv = value_of(b, "where");
  return record("where", where(cond, av, bv), {a, b},
                [cond, sa = av.shape(), sb = bv.shape()](const Tensor& g, const Needs& needs) {
                  Tensor zero = Tensor::scalar(0.0, g.dtype(), g.device());
                  return Grads{needs[0] ? sum_to(where(cond, g, zero), sa) : Tensor(),
                               needs[1] ? sum_to(where(cond, zero, g), sb) : Tensor()};
                });
}

Variable clamp(const Variable& x, std::optional<double> low, std::optional<double> high) {
  const Tensor& xv = value_of(x, "clamp");
  Tensor y = clamp(xv, low, high);
  // The gradient passes where clamping left x unchanged (boundaries included).
  return record("clamp", y, {x}, [xv, y](const Tensor& g, const Needs&) {
    return Grads{mul(g, eq(y, xv))};
  });
}

// ---- operators -----------------------------------------------------------------------------

Variable operator-(const Variable& x) { return neg(x); }
Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
Variable operator+(const Variable& a, double b) { return add(a, b); }
Variable operator-(const Variable& a, double b) { return sub(a, b); }
Variable operator*(const Variable& a, double b) { return mul(a, b); }
Variable operator/(const Variable& a, double b) { return div(a, b); }
Variable operator+(double a, const Variable& b) { return add(b, a); }
Variable operator-(double a, const Variable& b) { return add(neg(b), a); }
Variable operator*(double a, const Variable& b) { return mul(b, a); }
Variable operator/(double a, const Variable& b) { return mul(pow(b, -1.0), a); }

}  // namespace chase

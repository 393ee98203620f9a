#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace chase {
namespace {

Shape unravel(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (auto d = std::ssize(shape) - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// Perturbing one element must change exactly one logical element: no two
// indices may share memory. Sufficient test: ordered by stride, each dim's
// stride clears the extent of the dims below it.
bool elements_are_distinct(const Tensor& t) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size)
  for (std::int64_t d = 0; d < t.dim(); ++d)
    if (t.size(d) > 1) dims.emplace_back(t.strides()[d], t.size(d));
  std::sort(dims.begin(), dims.end());
  std::int64_t extent = 1;
  for (auto [stride, size] : dims) {
    if (stride < extent) return false;
    extent = stride * size;
  }
  return true;
}

double* element_pointer(const Tensor& t, std::int64_t flat) {
  auto index = unravel(flat, t.shape());
  std::int64_t offset = 0;
  for (std::int64_t d = 0; d < t.dim(); ++d) offset += index[d] * t.strides()[d];
  return t.data<double>() + offset;
}

void check_inputs(const std::vector<Variable>& inputs) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& v = inputs[i];
    CHASE_CHECK(v.defined(), "gradcheck: input {} is undefined", i);
    CHASE_CHECK(v.is_leaf(), "gradcheck: input {} must be a leaf (made by '{}'); pass detach()",
                i, v.grad_fn()->name());
    CHASE_CHECK(v.dtype() == DType::f64 && v.device().is_cpu(),
                "gradcheck: input {} must be f64 on the CPU, got {} on {}", i, name(v.dtype()),
                v.device().str());
    CHASE_CHECK(elements_are_distinct(v.value()),
                "gradcheck: input {} ({} with strides {}) has elements sharing memory; pass a "
                "contiguous copy",
                i, to_string(v.shape()), to_string(v.value().strides()));
  }
}

using Jacobian = std::vector<std::vector<double>>;  // [output element][input element]

Tensor one_hot(const Shape& shape, std::int64_t k) {
  Tensor seed = zeros(shape, DType::f64);
  seed.data<double>()[k] = 1.0;
  return seed;
}

// Analytical Jacobians of every input that requires grad (others: empty), by
// one backward per output element through one retained graph. Also records
// which inputs without requires_grad were (wrongly) given a gradient.
std::vector<Jacobian> analytical_jacobians(const DifferentiableFn& fn,
                                           const std::vector<Variable>& inputs,
                                           std::vector<InputCheck>& checks) {
  for (const auto& v : inputs) v.impl()->grad = Tensor();
  Variable y = fn(inputs);
  CHASE_CHECK(y.defined() && y.dtype() == DType::f64,
              "gradcheck: the function must return an f64 Variable");
  auto outputs = y.numel();
  std::vector<Jacobian> jacobians(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad())
      jacobians[i].assign(outputs, std::vector<double>(inputs[i].numel(), 0.0));
  if (!y.requires_grad()) return jacobians;  // nothing depends on the inputs: all zero

  for (std::int64_t k = 0; k < outputs; ++k) {
    for (const auto& v : inputs) v.impl()->grad = Tensor();
    y.backward(one_hot(y.shape(), k).to(y.device()), {.retain_graph = true});
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& grad = inputs[i].impl()->grad;
      if (!inputs[i].requires_grad()) {
        if (grad.defined()) checks[i].received_grad = true;
      } else if (grad.defined()) {
        jacobians[i][k] = grad.to_vector();
      }
    }
  }
  for (const auto& v : inputs) v.impl()->grad = Tensor();
  return jacobians;
}

Jacobian numerical_jacobian(const DifferentiableFn& fn, const std::vector<Variable>& inputs,
                            std::size_t which, std::int64_t outputs, double eps) {
  NoGradGuard no_grad;
  const Tensor& x = inputs[which].value();
  Jacobian jacobian(outputs, std::vector<double>(x.numel()));
  for (std::int64_t j = 0; j < x.numel(); ++j) {
    double* element = element_pointer(x, j);
    const double original = *element;
    *element = original + eps;
    auto plus = fn(inputs).value().to_vector();
    *element = original - eps;
    auto minus = fn(inputs).value().to_vector();
    *element = original;
    CHASE_CHECK(std::ssize(plus) == outputs && std::ssize(minus) == outputs,
                "gradcheck: the function's output size changed under perturbation");
    for (std::int64_t k = 0; k < outputs; ++k) jacobian[k][j] = (plus[k] - minus[k]) / (2 * eps);
  }
  return jacobian;
}

void compare(const Jacobian& analytical, const Jacobian& numerical, const Shape& input_shape,
             const GradcheckOptions& options, InputCheck& check) {
  double worst_ratio = -1.0;
  for (std::size_t k = 0; k < numerical.size(); ++k) {
    for (std::size_t j = 0; j < numerical[k].size(); ++j) {
      double a = analytical[k][j], n = numerical[k][j];
      double error = std::abs(a - n);
      double ratio = error / (options.atol + options.rtol * std::abs(n));
      if (std::isnan(a) || std::isnan(n)) ratio = error = std::numeric_limits<double>::infinity();
      check.max_abs_error = std::max(check.max_abs_error, error);
      double scale = std::max(std::abs(a), std::abs(n));
      if (scale > options.atol) check.max_rel_error = std::max(check.max_rel_error, error / scale);
      if (ratio > worst_ratio) {
        worst_ratio = ratio;
        check.worst_output = static_cast<std::int64_t>(k);
        check.worst_element = static_cast<std::int64_t>(j);
        check.analytical = a;
        check.numerical = n;
      }
    }
  }
  check.worst_index = unravel(check.worst_element, input_shape);
  check.passed = worst_ratio <= 1.0;
}

}  // namespace

double GradcheckResult::max_abs_error() const {
  double worst = 0.0;
  for (const auto& c : inputs) worst = std::max(worst, c.max_abs_error);
  return worst;
}

double GradcheckResult::max_rel_error() const {
  double worst = 0.0;
  for (const auto& c : inputs) worst = std::max(worst, c.max_rel_error);
  return worst;
}

std::string GradcheckResult::str() const {
  std::string text;
  for (const auto& c : inputs) {
    if (!c.requires_grad) {
      text += fmt::format("input {}: no requires_grad, {}\n", c.input,
                          c.received_grad ? "FAILED: received a gradient" : "received none (ok)");
      continue;
    }
    text += fmt::format(
        "input {}: max abs err {:.3e}, max rel err {:.3e}; worst: output {}, element {} "
        "(analytical {:.12g}, numerical {:.12g}) {}\n",
        c.input, c.max_abs_error, c.max_rel_error, c.worst_output, to_string(c.worst_index),
        c.analytical, c.numerical, c.passed ? "ok" : "FAILED");
  }
  return text;
}

GradcheckResult gradcheck(const DifferentiableFn& fn, const std::vector<Variable>& inputs,
                          const GradcheckOptions& options) {
  CHASE_CHECK(options.eps > 0 && options.atol >= 0 && options.rtol >= 0,
              "gradcheck: expected eps > 0, atol >= 0, rtol >= 0, got eps {}, atol {}, rtol {}",
              options.eps, options.atol, options.rtol);
  check_inputs(inputs);
  GradcheckResult result;
  result.inputs.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    result.inputs[i].input = static_cast<std::int64_t>(i);
    result.inputs[i].requires_grad = inputs[i].requires_grad();
  }
  // The analytical pass runs first and drops its graph before the numerical
  // pass perturbs the inputs, which the graph's saved tensors alias.
  auto analytical = analytical_jacobians(fn, inputs, result.inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto& check = result.inputs[i];
    if (!check.requires_grad) {
      check.passed = !check.received_grad;
    } else {
      auto outputs = static_cast<std::int64_t>(analytical[i].size());
      auto numerical = numerical_jacobian(fn, inputs, i, outputs, options.eps);
      compare(analytical[i], numerical, inputs[i].shape(), options, check);
    }
    result.passed = result.passed && check.passed;
  }
  return result;
}

}  // namespace chase

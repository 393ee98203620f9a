#include "autograd/variable.h"

#include "autograd/engine.h"
#include "tensor/ops.h"

namespace chase {
namespace {

void check_defined(const Variable& v, const char* op) {
  CHASE_CHECK(v.defined(), "{}: undefined Variable", op);
}

}  // namespace

Variable::Variable(Tensor value, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  CHASE_CHECK(value.defined(), "Variable: undefined value");
  CHASE_CHECK(!requires_grad || is_floating(value.dtype()),
              "Variable: only floating values can require grad, got {}", name(value.dtype()));
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Variable::value() const {
  check_defined(*this, "Variable::value");
  return impl_->value;
}

const Tensor& Variable::grad() const {
  check_defined(*this, "Variable::grad");
  CHASE_CHECK(impl_->requires_grad,
              "Variable::grad: this Variable does not require grad, so it has no gradient");
  CHASE_CHECK(is_leaf(),
              "Variable::grad: gradients are kept only for leaves, and this Variable was made "
              "by '{}'",
              impl_->grad_fn->name());
  return impl_->grad;
}

void Variable::set_requires_grad(bool requires_grad) {
  check_defined(*this, "Variable::set_requires_grad");
  CHASE_CHECK(is_leaf(),
              "Variable::set_requires_grad: only leaves can change it; this Variable was made "
              "by '{}' (use detach() for a leaf)",
              impl_->grad_fn->name());
  CHASE_CHECK(!requires_grad || is_floating(impl_->value.dtype()),
              "Variable::set_requires_grad: only floating values can require grad, got {}",
              name(impl_->value.dtype()));
  impl_->requires_grad = requires_grad;
}

const std::shared_ptr<Node>& Variable::grad_fn() const {
  check_defined(*this, "Variable::grad_fn");
  return impl_->grad_fn;
}

void Variable::set_value(Tensor value) {
  check_defined(*this, "Variable::set_value");
  CHASE_CHECK(is_leaf(), "Variable::set_value: only leaves can be rebound, this one was made by '{}'",
              impl_->grad_fn->name());
  CHASE_CHECK(value.defined() && value.shape() == impl_->value.shape() &&
                  value.dtype() == impl_->value.dtype(),
              "Variable::set_value: expected {} {}, got {}", name(impl_->value.dtype()),
              to_string(impl_->value.shape()),
              value.defined() ? fmt::format("{} {}", name(value.dtype()), to_string(value.shape()))
                              : "an undefined tensor");
  impl_->value = std::move(value);
}

void Variable::zero_grad() {
  check_defined(*this, "Variable::zero_grad");
  impl_->grad = Tensor();
}

Variable Variable::detach() const {
  check_defined(*this, "Variable::detach");
  return Variable(impl_->value, false);
}

void Variable::backward(const BackwardOptions& options) const {
  check_defined(*this, "backward");
  const auto& v = impl_->value;
  CHASE_CHECK(v.numel() == 1,
              "backward: the output has shape {}, not a single element; pass a seed gradient "
              "of that shape",
              to_string(v.shape()));
  run_backward(*this, ones(v.shape(), v.dtype(), v.device()), options);
}

void Variable::backward(const Tensor& seed, const BackwardOptions& options) const {
  check_defined(*this, "backward");
  const auto& v = impl_->value;
  CHASE_CHECK(seed.defined() && seed.shape() == v.shape() && seed.dtype() == v.dtype() &&
                  seed.device() == v.device(),
              "backward: seed must be {} {} on {} like the output, got {}", name(v.dtype()),
              to_string(v.shape()), v.device().str(),
              seed.defined() ? fmt::format("{} {} on {}", name(seed.dtype()),
                                           to_string(seed.shape()), seed.device().str())
                             : "an undefined tensor");
  run_backward(*this, seed, options);
}

}  // namespace chase

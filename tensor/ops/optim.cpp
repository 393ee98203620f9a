// The fused SGD step: argument checks, outputs, dispatch.
#include <cmath>

#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {
namespace {

void check_options(const SgdStepOptions& o) {
  const auto finite_non_negative = [](double v) { return std::isfinite(v) && v >= 0.0; };
  CHASE_CHECK(finite_non_negative(o.lr), "sgd_step: lr must be finite and >= 0, got {}", o.lr);
  CHASE_CHECK(finite_non_negative(o.momentum),
              "sgd_step: momentum must be finite and >= 0, got {}", o.momentum);
  CHASE_CHECK(std::isfinite(o.dampening), "sgd_step: dampening must be finite, got {}",
              o.dampening);
  CHASE_CHECK(finite_non_negative(o.weight_decay),
              "sgd_step: weight_decay must be finite and >= 0, got {}", o.weight_decay);
  CHASE_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0),
              "sgd_step: nesterov needs momentum > 0 and dampening 0, got momentum {} and "
              "dampening {}",
              o.momentum, o.dampening);
}

}  // namespace

SgdStepResult sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer,
                       const SgdStepOptions& options) {
  constexpr const char* op = "sgd_step";
  check_options(options);
  check_floating(param, op, "param");
  check_matches(grad, "grad", param, "param", op);
  check_shape(grad, param.shape(), op, "grad");
  const bool uses_momentum = options.momentum != 0.0;
  if (momentum_buffer.defined()) {
    CHASE_CHECK(uses_momentum, "{}: a momentum buffer was passed but momentum is 0", op);
    check_matches(momentum_buffer, "momentum_buffer", param, "param", op);
    check_shape(momentum_buffer, param.shape(), op, "momentum_buffer");
  }
  SgdStepResult next{Tensor::empty(param.shape(), param.dtype(), param.device()), Tensor()};
  if (uses_momentum)
    next.momentum_buffer = Tensor::empty(param.shape(), param.dtype(), param.device());
  kernels_for(param.device())
      .sgd_step(next.param, next.momentum_buffer, param.contiguous(), grad.contiguous(),
                contiguous_or_undefined(momentum_buffer), options);
  return next;
}

}  // namespace chase

#include "nn/layer_norm.h"

#include <algorithm>

#include "autograd/functions.h"
#include "nn/input_checks.h"
#include "tensor/ops.h"

namespace chase {

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine)
    : Module("LayerNorm"), normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  CHASE_CHECK(!normalized_shape_.empty() &&
                  std::all_of(normalized_shape_.begin(), normalized_shape_.end(),
                              [](std::int64_t d) { return d > 0; }),
              "LayerNorm: normalized_shape must be non-empty with positive sizes, got {}",
              to_string(normalized_shape_));
  CHASE_CHECK(eps >= 0.0, "LayerNorm: eps must be non-negative, got {}", eps);
  if (elementwise_affine) {
    weight_ = register_parameter("weight", ones(normalized_shape_));
    bias_ = register_parameter("bias", zeros(normalized_shape_));
  }
}

Variable LayerNorm::forward(const Variable& x) {
  const auto dims = std::ssize(normalized_shape_);
  CHASE_CHECK(x.defined() && x.dim() >= dims &&
                  std::equal(normalized_shape_.begin(), normalized_shape_.end(),
                             x.shape().end() - dims),
              "LayerNorm: expected input [*, {}], got {}",
              fmt::format("{}", fmt::join(normalized_shape_, ", ")), shape_or_undefined(x));
  return layer_norm(x, dims, weight_, bias_, eps_);
}

}  // namespace chase

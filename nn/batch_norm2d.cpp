#include "nn/batch_norm2d.h"

#include "autograd/functions.h"
#include "nn/input_checks.h"
#include "tensor/ops.h"

namespace chase {

BatchNorm2d::BatchNorm2d(std::int64_t num_features, double eps, double momentum, bool affine)
    : Module("BatchNorm2d"), num_features_(num_features), eps_(eps), momentum_(momentum) {
  CHASE_CHECK(num_features > 0, "BatchNorm2d: num_features must be positive, got {}",
              num_features);
  CHASE_CHECK(eps >= 0.0, "BatchNorm2d: eps must be non-negative, got {}", eps);
  CHASE_CHECK(momentum >= 0.0 && momentum <= 1.0,
              "BatchNorm2d: momentum must be in [0, 1], got {}", momentum);
  if (affine) {
    weight_ = register_parameter("weight", ones({num_features}));
    bias_ = register_parameter("bias", zeros({num_features}));
  }
  running_mean_ = register_buffer("running_mean", zeros({num_features}));
  running_var_ = register_buffer("running_var", ones({num_features}));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::scalar(0, DType::i64));
}

std::int64_t BatchNorm2d::num_batches_tracked() const {
  return static_cast<std::int64_t>(num_batches_tracked_.value().item());
}

Variable BatchNorm2d::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == num_features_,
              "BatchNorm2d: expected input [N, {}, H, W], got {}", num_features_,
              shape_or_undefined(x));
  if (!is_training()) {
    return batch_norm_inference(x, weight_, bias_, running_mean(), running_var(), eps_);
  }
  auto normed = batch_norm(x, weight_, bias_, eps_);
  update_running_statistics(normed.mean, normed.invstd, x.numel() / num_features_);
  return normed.out;
}

void BatchNorm2d::update_running_statistics(const Tensor& batch_mean, const Tensor& batch_invstd,
                                            std::int64_t values_per_channel) {
  // The kernel returns invstd = 1 / sqrt(biased var + eps); recover the biased
  // variance from it instead of a second pass over x. Its rounding error is a few
  // ulp of (var + eps), negligible next to var unless var << eps, where the
  // running variance is dominated by eps anyway.
  Tensor biased_var = sub(pow(batch_invstd, -2.0), eps_);
  const double n = static_cast<double>(values_per_channel);
  Tensor unbiased_var = mul(biased_var, n / (n - 1.0));  // n > 1: batch_norm checked it
  // New tensors, rebound: an evaluation-mode graph may still hold the previous ones.
  running_mean_.set_value(add(mul(running_mean(), 1.0 - momentum_), mul(batch_mean, momentum_)));
  running_var_.set_value(add(mul(running_var(), 1.0 - momentum_), mul(unbiased_var, momentum_)));
  num_batches_tracked_.set_value(Tensor::scalar(static_cast<double>(num_batches_tracked() + 1),
                                                DType::i64, num_batches_tracked_.device()));
}

}  // namespace chase

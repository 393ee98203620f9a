// Normalisation. Training-mode batch norm and layer norm save the statistics of
// their forward (mean, invstd) and use the dedicated backward ops, which apply
//   grad_x = invstd * (g - mean(g) - x_hat * mean(g * x_hat))  (times weight),
// the closed form that accounts for the statistics' own dependence on x.
// Inference-mode batch norm uses fixed statistics, so it is composed of
// elementwise functions and gets its gradient from them.
#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {
using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;
}  // namespace

BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                           double eps) {
  const Tensor& xv = value_of(x, "batch_norm");
  Tensor wv = optional_value(weight);
  auto normed = batch_norm(xv, wv, optional_value(bias), eps);
  Variable out = record(
      "batch_norm", normed.out, {x, weight, bias},
      [xv, wv, mean = normed.mean, invstd = normed.invstd](const Tensor& g, const Needs&) {
        auto grads = batch_norm_backward(g, xv, wv, mean, invstd);
        return Grads{grads.x, grads.weight, grads.bias};
      });
  return {out, normed.mean, normed.invstd};
}

Variable batch_norm_inference(const Variable& x, const Variable& weight, const Variable& bias,
                              const Tensor& running_mean, const Tensor& running_var, double eps) {
  const Tensor& xv = value_of(x, "batch_norm_inference");
  CHASE_CHECK(xv.dim() >= 2, "batch_norm_inference: expected x [N, C, *], got {}",
              to_string(xv.shape()));
  auto channels = xv.size(1);
  auto check_channels = [&](const Tensor& t, const char* what) {
    CHASE_CHECK(t.defined() && t.shape() == Shape{channels},
                "batch_norm_inference: {} must be [{}] for x {}, got {}", what, channels,
                to_string(xv.shape()),
                t.defined() ? to_string(t.shape()) : std::string("undefined"));
  };
  check_channels(running_mean, "running_mean");
  check_channels(running_var, "running_var");
  if (weight.defined()) check_channels(weight.value(), "weight");
  if (bias.defined()) check_channels(bias.value(), "bias");

  // Per-channel values broadcast over x [N, C, *] as [C, 1, ..., 1].
  Shape channel_shape(xv.dim() - 1, 1);
  channel_shape[0] = channels;
  auto per_channel = [&](const Variable& v) { return reshape(v, channel_shape); };

  // out = (x - mean) * weight / sqrt(var + eps) + bias
  Variable scale(rsqrt(add(running_var, eps)));
  if (weight.defined()) scale = mul(weight, scale);
  Variable out = mul(sub(x, Variable(running_mean.reshape(channel_shape))), per_channel(scale));
  return bias.defined() ? add(out, per_channel(bias)) : out;
}

Variable layer_norm(const Variable& x, std::int64_t normalized_dims, const Variable& weight,
                    const Variable& bias, double eps) {
  const Tensor& xv = value_of(x, "layer_norm");
  Tensor wv = optional_value(weight);
  auto normed = layer_norm(xv, normalized_dims, wv, optional_value(bias), eps);
  return record("layer_norm", normed.out, {x, weight, bias},
                [xv, wv, normalized_dims, mean = normed.mean, invstd = normed.invstd](
                    const Tensor& g, const Needs&) {
                  auto grads = layer_norm_backward(g, xv, normalized_dims, wv, mean, invstd);
                  return Grads{grads.x, grads.weight, grads.bias};
                });
}

}  // namespace chase

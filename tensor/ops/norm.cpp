// Batch and layer normalisation: shape checks, then the device's kernels on
// contiguous tensors.
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {
namespace {

// An optional affine parameter (weight or bias) is undefined or has `shape`.
void check_parameter(const Tensor& p, const Shape& shape, const Tensor& x, const char* op,
                     const char* arg) {
  if (!p.defined()) return;
  check_matches(p, arg, x, "input", op);
  check_shape(p, shape, op, arg);
}

void check_eps(double eps, const char* op) {
  CHASE_CHECK(eps >= 0.0, "{}: eps must be non-negative, got {}", op, eps);
}

std::int64_t channels_of(const Tensor& x, const char* op) {
  CHASE_CHECK(x.dim() >= 2, "{}: expected input [N, C, *], got shape {}", op,
              to_string(x.shape()));
  return x.size(1);
}

// Layer norm sees x as [M, N]: M rows of the N = prod(trailing dims) values it normalises.
struct Rows {
  std::int64_t count = 1, length = 1;
  Shape normalized_shape;
};

Rows rows_of(const Tensor& x, std::int64_t normalized_dims, const char* op) {
  CHASE_CHECK(normalized_dims >= 1 && normalized_dims <= x.dim(),
              "{}: normalized_dims must be in [1, {}] for input of shape {}, got {}", op, x.dim(),
              to_string(x.shape()), normalized_dims);
  Rows rows;
  const auto split = x.dim() - normalized_dims;
  rows.normalized_shape.assign(x.shape().begin() + split, x.shape().end());
  for (std::int64_t d = 0; d < split; ++d) rows.count *= x.size(d);
  rows.length = numel(rows.normalized_shape);
  CHASE_CHECK(rows.length >= 1, "{}: nothing to normalise in input of shape {}", op,
              to_string(x.shape()));
  return rows;
}

// A parameter or its gradient (weight shape = normalised shape) as the flat
// [N] vector the kernels index; undefined stays undefined. Fresh outputs are
// contiguous, so their flat form is a view the kernel writes through.
Tensor flat_or_undefined(const Tensor& t, const Rows& rows) {
  return t.defined() ? t.contiguous().view({rows.length}) : t;
}

}  // namespace

NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "batch_norm";
  check_floating(x, op, "input");
  const auto channels = channels_of(x, op);
  check_parameter(weight, {channels}, x, op, "weight");
  check_parameter(bias, {channels}, x, op, "bias");
  check_eps(eps, op);
  // One value per channel has no spread to normalise by (and no unbiased
  // variance for running statistics); PyTorch refuses it too.
  CHASE_CHECK(channels == 0 || x.numel() / channels > 1,
              "{}: expected more than 1 value per channel in training, got input of shape {}",
              op, to_string(x.shape()));
  NormResult result{Tensor::empty(x.shape(), x.dtype(), x.device()),
                    Tensor::empty({channels}, x.dtype(), x.device()),
                    Tensor::empty({channels}, x.dtype(), x.device())};
  kernels_for(x.device())
      .batch_norm(result.out, result.mean, result.invstd, x.contiguous(),
                  contiguous_or_undefined(weight), contiguous_or_undefined(bias), eps);
  return result;
}

Tensor batch_norm_inference(const Tensor& x, const Tensor& weight, const Tensor& bias,
                            const Tensor& running_mean, const Tensor& running_var, double eps) {
  const char* op = "batch_norm_inference";
  check_floating(x, op, "input");
  const auto channels = channels_of(x, op);
  check_parameter(weight, {channels}, x, op, "weight");
  check_parameter(bias, {channels}, x, op, "bias");
  check_matches(running_mean, "running_mean", x, "input", op);
  check_shape(running_mean, {channels}, op, "running_mean");
  check_matches(running_var, "running_var", x, "input", op);
  check_shape(running_var, {channels}, op, "running_var");
  check_eps(eps, op);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  kernels_for(x.device())
      .batch_norm_inference(out, x.contiguous(), contiguous_or_undefined(weight),
                            contiguous_or_undefined(bias), running_mean.contiguous(),
                            running_var.contiguous(), eps);
  return out;
}

// Gradients of weight and bias exist when the forward was affine, i.e. had a weight.
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& invstd) {
  const char* op = "batch_norm_backward";
  check_floating(x, op, "input");
  const auto channels = channels_of(x, op);
  check_matches(grad_out, "grad_out", x, "input", op);
  check_shape(grad_out, x.shape(), op, "grad_out");
  check_parameter(weight, {channels}, x, op, "weight");
  check_matches(mean, "mean", x, "input", op);
  check_shape(mean, {channels}, op, "mean");
  check_matches(invstd, "invstd", x, "input", op);
  check_shape(invstd, {channels}, op, "invstd");
  NormGrads grads{Tensor::empty(x.shape(), x.dtype(), x.device()), {}, {}};
  if (weight.defined()) {
    grads.weight = Tensor::empty({channels}, x.dtype(), x.device());
    grads.bias = Tensor::empty({channels}, x.dtype(), x.device());
  }
  kernels_for(x.device())
      .batch_norm_backward(grads.x, grads.weight, grads.bias, grad_out.contiguous(),
                           x.contiguous(), contiguous_or_undefined(weight), mean.contiguous(),
                           invstd.contiguous());
  return grads;
}

NormResult layer_norm(const Tensor& x, std::int64_t normalized_dims, const Tensor& weight,
                      const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  check_floating(x, op, "input");
  const Rows rows = rows_of(x, normalized_dims, op);
  check_parameter(weight, rows.normalized_shape, x, op, "weight");
  check_parameter(bias, rows.normalized_shape, x, op, "bias");
  check_eps(eps, op);
  Tensor out = Tensor::empty({rows.count, rows.length}, x.dtype(), x.device());
  NormResult result{out.view(x.shape()), Tensor::empty({rows.count}, x.dtype(), x.device()),
                    Tensor::empty({rows.count}, x.dtype(), x.device())};
  kernels_for(x.device())
      .layer_norm(out, result.mean, result.invstd, x.contiguous().view({rows.count, rows.length}),
                  flat_or_undefined(weight, rows), flat_or_undefined(bias, rows), eps);
  return result;
}

NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, std::int64_t normalized_dims,
                              const Tensor& weight, const Tensor& mean, const Tensor& invstd) {
  const char* op = "layer_norm_backward";
  check_floating(x, op, "input");
  const Rows rows = rows_of(x, normalized_dims, op);
  check_matches(grad_out, "grad_out", x, "input", op);
  check_shape(grad_out, x.shape(), op, "grad_out");
  check_parameter(weight, rows.normalized_shape, x, op, "weight");
  check_matches(mean, "mean", x, "input", op);
  check_shape(mean, {rows.count}, op, "mean");
  check_matches(invstd, "invstd", x, "input", op);
  check_shape(invstd, {rows.count}, op, "invstd");
  Tensor grad_x = Tensor::empty({rows.count, rows.length}, x.dtype(), x.device());
  NormGrads grads{grad_x.view(x.shape()), {}, {}};
  if (weight.defined()) {
    grads.weight = Tensor::empty(rows.normalized_shape, x.dtype(), x.device());
    grads.bias = Tensor::empty(rows.normalized_shape, x.dtype(), x.device());
  }
  kernels_for(x.device())
      .layer_norm_backward(grad_x, flat_or_undefined(grads.weight, rows),
                           flat_or_undefined(grads.bias, rows),
                           grad_out.contiguous().view({rows.count, rows.length}),
                           x.contiguous().view({rows.count, rows.length}),
                           flat_or_undefined(weight, rows),
                           mean.contiguous(), invstd.contiguous());
  return grads;
}

}  // namespace chase

// 2-d convolution and its gradients: shape checks, then the device's kernels
// on contiguous NCHW tensors.
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {
namespace {

// out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1,
// positive only when the dilated kernel fits in the padded input.
Shape output_shape(const Shape& x, const Shape& w, const Conv2dOptions& options, const char* op) {
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  const auto [dh, dw] = options.dilation;
  const auto groups = options.groups;
  CHASE_CHECK(sh >= 1 && sw >= 1, "{}: stride must be positive, got ({}, {})", op, sh, sw);
  CHASE_CHECK(ph >= 0 && pw >= 0, "{}: padding must be non-negative, got ({}, {})", op, ph, pw);
  CHASE_CHECK(dh >= 1 && dw >= 1, "{}: dilation must be positive, got ({}, {})", op, dh, dw);
  CHASE_CHECK(groups >= 1, "{}: groups must be positive, got {}", op, groups);
  CHASE_CHECK(x.size() == 4, "{}: expected input [N, C, H, W], got shape {}", op, to_string(x));
  CHASE_CHECK(w.size() == 4, "{}: expected weight [Co, Ci/groups, Kh, Kw], got shape {}", op,
              to_string(w));
  CHASE_CHECK(x[1] % groups == 0, "{}: {} input channels (input shape {}) are not divisible by "
              "groups = {}", op, x[1], to_string(x), groups);
  CHASE_CHECK(w[0] % groups == 0, "{}: {} output channels (weight shape {}) are not divisible "
              "by groups = {}", op, w[0], to_string(w), groups);
  CHASE_CHECK(w[1] * groups == x[1],
              "{}: weight of shape {} with groups = {} takes {} input channels, input of shape {} "
              "has {}", op, to_string(w), groups, w[1] * groups, to_string(x), x[1]);
  CHASE_CHECK(w[2] >= 1 && w[3] >= 1, "{}: weight of shape {} has an empty kernel", op,
              to_string(w));
  const auto span_h = dh * (w[2] - 1) + 1, span_w = dw * (w[3] - 1) + 1;
  CHASE_CHECK(x[2] + 2 * ph >= span_h && x[3] + 2 * pw >= span_w,
              "{}: the kernel spans {}x{} (with dilation) but the padded input is only {}x{} "
              "(input shape {}, weight shape {})", op, span_h, span_w, x[2] + 2 * ph,
              x[3] + 2 * pw, to_string(x), to_string(w));
  return {x[0], w[0], (x[2] + 2 * ph - span_h) / sh + 1, (x[3] + 2 * pw - span_w) / sw + 1};
}

}  // namespace

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dOptions& options) {
  return output_shape(x, w, options, "conv2d");
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dOptions& options) {
  check_floating(x, "conv2d", "input");
  check_matches(w, "weight", x, "input", "conv2d");
  const Shape out_shape = output_shape(x.shape(), w.shape(), options, "conv2d");
  if (bias.defined()) {
    check_matches(bias, "bias", x, "input", "conv2d");
    check_shape(bias, {w.size(0)}, "conv2d", "bias");
  }
  Tensor out = Tensor::empty(out_shape, x.dtype(), x.device());
  kernels_for(x.device()).conv2d(out, x.contiguous(), w.contiguous(),
                                 contiguous_or_undefined(bias), options);
  return out;
}

Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& w, const Shape& input_shape,
                             const Conv2dOptions& options) {
  const char* op = "conv2d_backward_input";
  check_floating(grad_out, op, "grad_out");
  check_matches(w, "weight", grad_out, "grad_out", op);
  check_shape(grad_out, output_shape(input_shape, w.shape(), options, op), op, "grad_out");
  Tensor grad_x = Tensor::empty(input_shape, grad_out.dtype(), grad_out.device());
  kernels_for(grad_out.device())
      .conv2d_backward_input(grad_x, grad_out.contiguous(), w.contiguous(), options);
  return grad_x;
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                              const Conv2dOptions& options) {
  const char* op = "conv2d_backward_weight";
  check_floating(grad_out, op, "grad_out");
  check_matches(x, "input", grad_out, "grad_out", op);
  check_shape(grad_out, output_shape(x.shape(), weight_shape, options, op), op, "grad_out");
  Tensor grad_w = Tensor::empty(weight_shape, grad_out.dtype(), grad_out.device());
  kernels_for(grad_out.device())
      .conv2d_backward_weight(grad_w, grad_out.contiguous(), x.contiguous(), options);
  return grad_w;
}

}  // namespace chase

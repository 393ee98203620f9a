// 2-d pooling and its gradients: shape checks, then the device's kernels on
// contiguous NCHW tensors.
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/ops/op_checks.h"

namespace chase {
namespace {

void check_nchw(const Shape& shape, const char* op, const char* arg) {
  CHASE_CHECK(shape.size() == 4, "{}: expected {} [N, C, H, W], got shape {}", op, arg,
              to_string(shape));
}

// out = floor((in + 2 * padding - kernel) / stride) + 1. Padding is limited to
// half the kernel (as in PyTorch) so that every window overlaps the input.
Shape pool_output_shape(const Shape& x, const Pool2dOptions& options, const char* op) {
  const auto [kh, kw] = options.kernel;
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  check_nchw(x, op, "input");
  CHASE_CHECK(kh >= 1 && kw >= 1, "{}: kernel must be positive, got ({}, {})", op, kh, kw);
  CHASE_CHECK(sh >= 1 && sw >= 1, "{}: stride must be positive, got ({}, {})", op, sh, sw);
  CHASE_CHECK(ph >= 0 && pw >= 0 && 2 * ph <= kh && 2 * pw <= kw,
              "{}: padding must be between 0 and half the kernel ({}, {}), got ({}, {})", op, kh,
              kw, ph, pw);
  // An empty plane would leave windows made only of padding (PyTorch refuses it too).
  CHASE_CHECK(x[2] >= 1 && x[3] >= 1, "{}: input of shape {} has an empty plane", op,
              to_string(x));
  CHASE_CHECK(x[2] + 2 * ph >= kh && x[3] + 2 * pw >= kw,
              "{}: kernel ({}, {}) is larger than the padded input {}x{} (input shape {})", op, kh,
              kw, x[2] + 2 * ph, x[3] + 2 * pw, to_string(x));
  return {x[0], x[1], (x[2] + 2 * ph - kh) / sh + 1, (x[3] + 2 * pw - kw) / sw + 1};
}

// grad_out [N, C, Ho, Wo] belongs to an input [N, C, H, W].
void check_same_planes(const Tensor& grad_out, const Shape& input_shape, const char* op) {
  check_nchw(grad_out.shape(), op, "grad_out");
  check_nchw(input_shape, op, "input_shape");
  CHASE_CHECK(grad_out.size(0) == input_shape[0] && grad_out.size(1) == input_shape[1],
              "{}: grad_out of shape {} does not match input shape {} in N and C", op,
              to_string(grad_out.shape()), to_string(input_shape));
}

}  // namespace

MaxPoolResult max_pool2d(const Tensor& x, const Pool2dOptions& options) {
  check_floating(x, "max_pool2d", "input");
  const Shape out_shape = pool_output_shape(x.shape(), options, "max_pool2d");
  MaxPoolResult result{Tensor::empty(out_shape, x.dtype(), x.device()),
                       Tensor::empty(out_shape, DType::i64, x.device())};
  kernels_for(x.device()).max_pool2d(result.out, result.indices, x.contiguous(), options);
  return result;
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices,
                           const Shape& input_shape) {
  const char* op = "max_pool2d_backward";
  check_floating(grad_out, op, "grad_out");
  check_same_planes(grad_out, input_shape, op);
  CHASE_CHECK(indices.defined() && indices.dtype() == DType::i64,
              "{}: indices must be an i64 tensor, got {}", op, indices.str());
  CHASE_CHECK(indices.device() == grad_out.device(), "{}: indices are on {} but grad_out is on {}",
              op, indices.device().str(), grad_out.device().str());
  check_shape(indices, grad_out.shape(), op, "indices");
  Tensor grad_x = Tensor::empty(input_shape, grad_out.dtype(), grad_out.device());
  kernels_for(grad_out.device())
      .max_pool2d_backward(grad_x, grad_out.contiguous(), indices.contiguous());
  return grad_x;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options) {
  check_floating(x, "avg_pool2d", "input");
  Tensor out = Tensor::empty(pool_output_shape(x.shape(), options, "avg_pool2d"), x.dtype(),
                             x.device());
  kernels_for(x.device()).avg_pool2d(out, x.contiguous(), options);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape,
                           const Pool2dOptions& options) {
  const char* op = "avg_pool2d_backward";
  check_floating(grad_out, op, "grad_out");
  check_shape(grad_out, pool_output_shape(input_shape, options, op), op, "grad_out");
  Tensor grad_x = Tensor::empty(input_shape, grad_out.dtype(), grad_out.device());
  kernels_for(grad_out.device()).avg_pool2d_backward(grad_x, grad_out.contiguous(), options);
  return grad_x;
}

Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_floating(x, op, "input");
  check_nchw(x.shape(), op, "input");
  CHASE_CHECK(output_size[0] >= 1 && output_size[1] >= 1,
              "{}: output size must be positive, got ({}, {})", op, output_size[0],
              output_size[1]);
  CHASE_CHECK(x.size(2) >= 1 && x.size(3) >= 1, "{}: input of shape {} has an empty plane", op,
              to_string(x.shape()));
  Tensor out = Tensor::empty({x.size(0), x.size(1), output_size[0], output_size[1]}, x.dtype(),
                             x.device());
  kernels_for(x.device()).adaptive_avg_pool2d(out, x.contiguous());
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_floating(grad_out, op, "grad_out");
  check_same_planes(grad_out, input_shape, op);
  CHASE_CHECK(input_shape[2] >= 1 && input_shape[3] >= 1 && grad_out.size(2) >= 1 &&
                  grad_out.size(3) >= 1,
              "{}: empty plane in grad_out {} or input shape {}", op,
              to_string(grad_out.shape()), to_string(input_shape));
  Tensor grad_x = Tensor::empty(input_shape, grad_out.dtype(), grad_out.device());
  kernels_for(grad_out.device()).adaptive_avg_pool2d_backward(grad_x, grad_out.contiguous());
  return grad_x;
}

Tensor global_avg_pool2d(const Tensor& x) { return adaptive_avg_pool2d(x, {1, 1}); }

}  // namespace chase

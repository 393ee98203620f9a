// The oneDNN backend: f32 fast paths on the CPU, reference kernels elsewhere.
// Each override runs oneDNN when every tensor is f32 and the case is one it
// computes with the reference's semantics; otherwise it calls RefKernels.
// What stays on the reference path, and why:
// - max pooling: the kernel interface needs the position of each maximum, and
//   oneDNN documents its workspace as opaque;
// - batch norm inference and backward: slower in oneDNN on NCHW (norm.cpp);
// - the backward of global average pooling, a broadcast (pool.cpp);
// - softmax over a dim with inner elements after it: oneDNN 2.6 has only a
//   reference implementation there, 10x slower than ours (softmax.cpp);
// - log and the unary ops oneDNN lacks (eltwise.cpp).
#pragma once

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

class DnnlKernels : public RefKernels {
 public:
  void unary(UnaryOp op, const Tensor& out, const Tensor& x) override;
  void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) override;

  void matmul(const Tensor& out, const Tensor& a, const Tensor& b) override;

  void conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
              const Conv2dOptions& options) override;
  void conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out, const Tensor& w,
                             const Conv2dOptions& options) override;
  void conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out, const Tensor& x,
                              const Conv2dOptions& options) override;

  void avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) override;
  void avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                           const Pool2dOptions& options) override;
  void adaptive_avg_pool2d(const Tensor& out, const Tensor& x) override;
  void adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) override;

  void batch_norm(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                  const Tensor& weight, const Tensor& bias, double eps) override;
  void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                  const Tensor& weight, const Tensor& bias, double eps) override;
  void layer_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                           const Tensor& grad_bias, const Tensor& grad_out, const Tensor& x,
                           const Tensor& weight, const Tensor& mean,
                           const Tensor& rstd) override;

  void softmax(const Tensor& out, const Tensor& x, std::int64_t dim, bool log) override;
  void softmax_backward(const Tensor& grad_x, const Tensor& grad_out, const Tensor& y,
                        std::int64_t dim, bool log) override;
};

Kernels& dnnl_kernels();

}  // namespace chase

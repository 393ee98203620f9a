// The CUDA backend: every kernel of kernels.h on any GPU, in f32 and f64 (and
// i64 wherever the reference takes it). Own kernels for elementwise maps,
// reductions, pooling, normalisation, softmax and indexing; cuBLAS for matmul;
// cuDNN for convolution. Each file of this folder implements one group.
// Every kernel first selects the GPU its tensors live on (runtime.h), and
// every CUDA, cuBLAS and cuDNN failure becomes a chase::Error naming the op.
#pragma once

#include "tensor/kernels.h"

namespace chase::cuda {

class CudaKernels final : public Kernels {
 public:
  void copy(const Tensor& dst, const Tensor& src) override;
  void fill(const Tensor& dst, double value) override;
  void arange(const Tensor& dst, double start, double step) override;
  void uniform(const Tensor& dst, double low, double high, std::uint64_t seed,
               std::uint64_t offset) override;
  void normal(const Tensor& dst, double mean, double stddev, std::uint64_t seed,
              std::uint64_t offset) override;

  void unary(UnaryOp op, const Tensor& out, const Tensor& x) override;
  void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) override;
  void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) override;

  void reduce(ReduceOp op, const Tensor& out, const Tensor& x) override;

  void matmul(const Tensor& out, const Tensor& a, const Tensor& b) override;

  void conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
              const Conv2dOptions& options) override;
  void conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out, const Tensor& w,
                             const Conv2dOptions& options) override;
  void conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out, const Tensor& x,
                              const Conv2dOptions& options) override;

  void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x,
                  const Pool2dOptions& options) override;
  void max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                           const Tensor& indices) override;
  void avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) override;
  void avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                           const Pool2dOptions& options) override;
  void adaptive_avg_pool2d(const Tensor& out, const Tensor& x) override;
  void adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) override;

  void batch_norm(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                  const Tensor& weight, const Tensor& bias, double eps) override;
  void batch_norm_inference(const Tensor& out, const Tensor& x, const Tensor& weight,
                            const Tensor& bias, const Tensor& running_mean,
                            const Tensor& running_var, double eps) override;
  void batch_norm_backward(const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias,
                           const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                           const Tensor& mean, const Tensor& invstd) override;
  void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                  const Tensor& weight, const Tensor& bias, double eps) override;
  void layer_norm_backward(const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias,
                           const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                           const Tensor& mean, const Tensor& rstd) override;

  void softmax(const Tensor& out, const Tensor& x, std::int64_t dim, bool log) override;
  void softmax_backward(const Tensor& grad_x, const Tensor& grad_out, const Tensor& y,
                        std::int64_t dim, bool log) override;

  void gather(const Tensor& out, const Tensor& x, std::int64_t dim, const Tensor& index) override;
  void scatter_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                   const Tensor& src) override;
  void index_select(const Tensor& out, const Tensor& x, std::int64_t dim,
                    const Tensor& index) override;
  void index_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                 const Tensor& src) override;

  void sgd_step(const Tensor& param_out, const Tensor& momentum_out, const Tensor& param,
                const Tensor& grad, const Tensor& momentum, const SgdStepOptions& options) override;
};

}  // namespace chase::cuda

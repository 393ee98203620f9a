// BatchNorm2d (Ioffe & Szegedy 2015) over NCHW maps, as torch.nn.BatchNorm2d.
// Training: normalises with the batch statistics over (N, H, W) and updates
//   running_mean <- (1 - momentum) running_mean + momentum * batch mean
//   running_var  <- (1 - momentum) running_var  + momentum * unbiased batch var
// (PyTorch stores the unbiased variance, n / (n - 1) times the biased one it
// normalises with) and counts num_batches_tracked. Evaluation: normalises with
// the running statistics. weight = 1, bias = 0, running_mean = 0, running_var = 1
// initially, as PyTorch.
#pragma once

#include "nn/module.h"

namespace chase {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true);

  // x [N, num_features, H, W] -> same shape
  Variable forward(const Variable& x) override;

  std::int64_t num_features() const { return num_features_; }
  const Variable& weight() const { return weight_; }  // undefined unless affine
  const Variable& bias() const { return bias_; }
  const Tensor& running_mean() const { return running_mean_.value(); }
  const Tensor& running_var() const { return running_var_.value(); }
  std::int64_t num_batches_tracked() const;

 private:
  void update_running_statistics(const Tensor& batch_mean, const Tensor& batch_invstd,
                                 std::int64_t values_per_channel);

  std::int64_t num_features_;
  double eps_, momentum_;
  Variable weight_, bias_;
  Variable running_mean_, running_var_, num_batches_tracked_;  // buffers
};

}  // namespace chase

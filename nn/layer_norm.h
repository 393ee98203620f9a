// LayerNorm (Ba et al. 2016) over the trailing normalized_shape dims of x, as
// torch.nn.LayerNorm: per row, (x - mean) / sqrt(biased var + eps), then
// weight * . + bias elementwise. weight = 1, bias = 0 initially, as PyTorch.
#pragma once

#include "nn/module.h"

namespace chase {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);

  // x [*, normalized_shape] -> same shape
  Variable forward(const Variable& x) override;

  const Shape& normalized_shape() const { return normalized_shape_; }
  const Variable& weight() const { return weight_; }  // undefined without affine
  const Variable& bias() const { return bias_; }

 private:
  Shape normalized_shape_;
  double eps_;
  Variable weight_, bias_;
};

}  // namespace chase

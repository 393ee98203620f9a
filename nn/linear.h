// Linear: y = x W^T + b over the last dim of x, as torch.nn.Linear.
// weight [out_features, in_features], bias [out_features]; initialised as
// PyTorch (nn/init.h: kaiming_uniform_ a = sqrt(5), bias U(+-1/sqrt(in_features))).
#pragma once

#include "nn/module.h"
#include "tensor/random.h"

namespace chase {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen, bool bias = true);

  // x [*, in_features] -> [*, out_features]
  Variable forward(const Variable& x) override;

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  // undefined without bias

 private:
  std::int64_t in_features_, out_features_;
  Variable weight_, bias_;
};

}  // namespace chase

// Conv2d over NCHW maps with stride, padding, dilation and groups, as
// torch.nn.Conv2d. weight [out_channels, in_channels / groups, kh, kw],
// bias [out_channels]; initialised as PyTorch (nn/init.h: kaiming_uniform_
// a = sqrt(5), bias U(+-1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw).
#pragma once

#include "nn/module.h"
#include "tensor/options.h"
#include "tensor/random.h"

namespace chase {

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Pair kernel_size, Generator& gen,
         const Conv2dOptions& options = {}, bool bias = true);

  // x [N, in_channels, H, W] -> [N, out_channels, H', W']
  Variable forward(const Variable& x) override;

  std::int64_t in_channels() const { return in_channels_; }
  std::int64_t out_channels() const { return out_channels_; }
  const Conv2dOptions& options() const { return options_; }
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  // undefined without bias

 private:
  std::int64_t in_channels_, out_channels_;
  Conv2dOptions options_;
  Variable weight_, bias_;
};

}  // namespace chase

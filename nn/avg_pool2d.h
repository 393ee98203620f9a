// AvgPool2d over NCHW maps, as torch.nn.AvgPool2d (ceil_mode false): each
// window's mean, dividing by the full window size when count_include_pad (the
// default, as PyTorch) and by the number of non-padding elements otherwise.
// No parameters.
#pragma once

#include "nn/module.h"
#include "tensor/options.h"

namespace chase {

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const Pool2dOptions& options);

  // x [N, C, H, W] -> [N, C, H', W']
  Variable forward(const Variable& x) override;

  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

}  // namespace chase

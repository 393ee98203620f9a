// MaxPool2d over NCHW maps, as torch.nn.MaxPool2d (ceil_mode false, dilation 1).
// Padding counts as -infinity. No parameters.
#pragma once

#include "nn/module.h"
#include "tensor/options.h"

namespace chase {

class MaxPool2d : public Module {
 public:
  // kernel, stride and padding as Pool2dOptions (count_include_pad is unused here).
  explicit MaxPool2d(const Pool2dOptions& options);

  // x [N, C, H, W] -> [N, C, H', W']
  Variable forward(const Variable& x) override;

  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

}  // namespace chase

// AdaptiveAvgPool2d, as torch.nn.AdaptiveAvgPool2d: averages the windows
// [floor(i H / OH), ceil((i + 1) H / OH)) (and the same along W) so that any
// input size gives an [N, C, OH, OW] output; {1, 1} is global average pooling.
// No parameters.
#pragma once

#include "nn/module.h"
#include "tensor/options.h"

namespace chase {

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size);

  // x [N, C, H, W] -> [N, C, OH, OW]
  Variable forward(const Variable& x) override;

  Pair output_size() const { return output_size_; }

 private:
  Pair output_size_;
};

}  // namespace chase

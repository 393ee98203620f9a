#include "nn/adaptive_avg_pool2d.h"

#include "autograd/functions.h"

namespace chase {

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair output_size)
    : Module("AdaptiveAvgPool2d"), output_size_(output_size) {
  CHASE_CHECK(output_size[0] >= 1 && output_size[1] >= 1,
              "AdaptiveAvgPool2d: output_size must be positive, got [{}, {}]", output_size[0],
              output_size[1]);
}

Variable AdaptiveAvgPool2d::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4,
              "AdaptiveAvgPool2d: expected input [N, C, H, W], got {}",
              x.defined() ? to_string(x.shape()) : "an undefined Variable");
  return adaptive_avg_pool2d(x, output_size_);
}

}  // namespace chase

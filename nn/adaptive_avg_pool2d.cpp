#include "nn/adaptive_avg_pool2d.h"

#include "autograd/functions.h"
#include "nn/input_checks.h"

namespace chase {

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair output_size)
    : Module("AdaptiveAvgPool2d"), output_size_(output_size) {
  CHASE_CHECK(output_size[0] >= 1 && output_size[1] >= 1,
              "AdaptiveAvgPool2d: output_size must be positive, got [{}, {}]", output_size[0],
              output_size[1]);
}

Variable AdaptiveAvgPool2d::forward(const Variable& x) {
  check_nchw_input(x, "AdaptiveAvgPool2d");
  return adaptive_avg_pool2d(x, output_size_);
}

}  // namespace chase

#include "nn/max_pool2d.h"

#include "autograd/functions.h"
#include "nn/pool_checks.h"

namespace chase {

MaxPool2d::MaxPool2d(const Pool2dOptions& options) : Module("MaxPool2d"), options_(options) {
  check_pool_options(options, "MaxPool2d");
}

Variable MaxPool2d::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4, "MaxPool2d: expected input [N, C, H, W], got {}",
              x.defined() ? to_string(x.shape()) : "an undefined Variable");
  return max_pool2d(x, options_);
}

}  // namespace chase

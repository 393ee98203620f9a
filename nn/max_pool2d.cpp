#include "nn/max_pool2d.h"

#include "autograd/functions.h"
#include "nn/input_checks.h"
#include "nn/pool_checks.h"

namespace chase {

MaxPool2d::MaxPool2d(const Pool2dOptions& options) : Module("MaxPool2d"), options_(options) {
  check_pool_options(options, "MaxPool2d");
}

Variable MaxPool2d::forward(const Variable& x) {
  check_nchw_input(x, "MaxPool2d");
  return max_pool2d(x, options_);
}

}  // namespace chase

#include "nn/avg_pool2d.h"

#include "autograd/functions.h"
#include "nn/input_checks.h"
#include "nn/pool_checks.h"

namespace chase {

AvgPool2d::AvgPool2d(const Pool2dOptions& options) : Module("AvgPool2d"), options_(options) {
  check_pool_options(options, "AvgPool2d");
}

Variable AvgPool2d::forward(const Variable& x) {
  check_nchw_input(x, "AvgPool2d");
  return avg_pool2d(x, options_);
}

}  // namespace chase

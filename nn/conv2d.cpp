#include "nn/conv2d.h"

#include "autograd/functions.h"
#include "nn/init.h"
#include "nn/input_checks.h"

namespace chase {

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Pair kernel_size,
               Generator& gen, const Conv2dOptions& options, bool bias)
    : Module("Conv2d"), in_channels_(in_channels), out_channels_(out_channels), options_(options) {
  CHASE_CHECK(in_channels > 0 && out_channels > 0,
              "Conv2d: in_channels and out_channels must be positive, got {} and {}", in_channels,
              out_channels);
  CHASE_CHECK(kernel_size[0] > 0 && kernel_size[1] > 0,
              "Conv2d: kernel_size must be positive, got [{}, {}]", kernel_size[0], kernel_size[1]);
  const auto groups = options.groups;
  CHASE_CHECK(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0,
              "Conv2d: groups ({}) must divide in_channels ({}) and out_channels ({})", groups,
              in_channels, out_channels);
  weight_ = register_parameter(
      "weight", default_weight({out_channels, in_channels / groups, kernel_size[0], kernel_size[1]},
                               gen));
  if (bias) bias_ = register_parameter("bias", default_bias(out_channels, fan_in(weight_.value()), gen));
}

Variable Conv2d::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == in_channels_,
              "Conv2d: expected input [N, {}, H, W], got {}", in_channels_, shape_or_undefined(x));
  return conv2d(x, weight_, bias_, options_);
}

}  // namespace chase

#include "chase/models/small_cnn.h"

#include <string>

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/gelu.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "tensor/error.h"

namespace chase {
namespace {

data::ImageShape checked(data::ImageShape input, std::int64_t num_classes) {
  CHASE_CHECK(input.channels >= 1 && input.height >= 4 && input.width >= 4,
              "SmallCnn: expected images of at least 1x4x4, got {}x{}x{}", input.channels,
              input.height, input.width);
  CHASE_CHECK(num_classes >= 2, "SmallCnn: expected at least 2 classes, got {}", num_classes);
  return input;
}

}  // namespace

SmallCnn::SmallCnn(data::ImageShape input, std::int64_t num_classes, Generator& init,
                   std::shared_ptr<Generator> dropout_rng, double dropout)
    : MultiExitModel("SmallCnn") {
  checked(input, num_classes);
  add_conv_bn_gelu(input.channels, 32, init);
  add_conv_bn_gelu(32, 32, init);
  add(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  add_conv_bn_gelu(32, 64, init);
  add_conv_bn_gelu(64, 64, init);
  add(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  add(std::make_shared<Flatten>());
  // Two 2x2 poolings floor each side twice, as PyTorch's MaxPool2d does.
  auto features = 64 * (input.height / 2 / 2) * (input.width / 2 / 2);
  add(std::make_shared<Linear>(features, 128, init));
  add(std::make_shared<GELU>());
  add(std::make_shared<Dropout>(dropout, std::move(dropout_rng)));
  add(std::make_shared<Linear>(128, num_classes, init));
}

void SmallCnn::add(std::shared_ptr<Module> layer) {
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(layer)));
}

void SmallCnn::add_conv_bn_gelu(std::int64_t in_channels, std::int64_t out_channels,
                                Generator& init) {
  add(std::make_shared<Conv2d>(in_channels, out_channels, Pair{3, 3}, init,
                               Conv2dOptions{.padding = {1, 1}}, /*bias=*/false));
  add(std::make_shared<BatchNorm2d>(out_channels));
  add(std::make_shared<GELU>());
}

std::vector<Variable> SmallCnn::forward_exits(const Variable& x) {
  Variable h = x;
  for (const auto& layer : layers_) h = (*layer)(h);
  return {h};
}

}  // namespace chase

#include "examples/small_cnn.h"

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/gelu.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "tensor/error.h"

namespace chase::train {
namespace {

void add_conv_bn_gelu(Sequential& net, std::int64_t in_channels, std::int64_t out_channels,
                      Generator& init) {
  net.push_back(std::make_shared<Conv2d>(in_channels, out_channels, Pair{3, 3}, init,
                                         Conv2dOptions{.padding = {1, 1}}, /*bias=*/false));
  net.push_back(std::make_shared<BatchNorm2d>(out_channels));
  net.push_back(std::make_shared<GELU>());
}

}  // namespace

std::shared_ptr<Sequential> make_small_cnn(data::ImageShape input, std::int64_t num_classes,
                                           Generator& init, std::shared_ptr<Generator> dropout_rng,
                                           double dropout) {
  CHASE_CHECK(input.channels >= 1 && input.height >= 4 && input.width >= 4,
              "make_small_cnn: expected images of at least 1x4x4, got {}x{}x{}", input.channels,
              input.height, input.width);
  CHASE_CHECK(num_classes >= 2, "make_small_cnn: expected at least 2 classes, got {}", num_classes);
  auto net = std::make_shared<Sequential>();
  add_conv_bn_gelu(*net, input.channels, 32, init);
  add_conv_bn_gelu(*net, 32, 32, init);
  net->push_back(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  add_conv_bn_gelu(*net, 32, 64, init);
  add_conv_bn_gelu(*net, 64, 64, init);
  net->push_back(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  net->push_back(std::make_shared<Flatten>());
  // Two 2x2 poolings floor each side twice, as PyTorch's MaxPool2d does.
  auto features = 64 * (input.height / 2 / 2) * (input.width / 2 / 2);
  net->push_back(std::make_shared<Linear>(features, 128, init));
  net->push_back(std::make_shared<GELU>());
  net->push_back(std::make_shared<Dropout>(dropout, std::move(dropout_rng)));
  net->push_back(std::make_shared<Linear>(128, num_classes, init));
  return net;
}

}  // namespace chase::train

#include "chase/models/chase_layers.h"

#include <algorithm>

#include "autograd/functions.h"
#include "nn/adaptive_avg_pool2d.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/gelu.h"
#include "nn/input_checks.h"
#include "nn/sigmoid.h"

namespace chase::chase_net {
namespace {

std::shared_ptr<Conv2d> conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                             std::int64_t stride, Generator& gen, bool bias,
                             std::int64_t groups = 1) {
  Conv2dOptions options;
  options.stride = {stride, stride};
  options.padding = {kernel / 2, kernel / 2};
  options.groups = groups;
  return std::make_shared<Conv2d>(in, out, Pair{kernel, kernel}, gen, options, bias);
}

}  // namespace

void append_conv_bn(Sequential& net, std::int64_t in, std::int64_t out, std::int64_t kernel,
                    std::int64_t stride, Generator& gen, bool activate, std::int64_t groups) {
  net.push_back(conv(in, out, kernel, stride, gen, /*bias=*/false, groups));
  net.push_back(std::make_shared<BatchNorm2d>(out));
  if (activate) net.push_back(std::make_shared<GELU>());
}

std::shared_ptr<Sequential> conv_bn(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                    std::int64_t stride, Generator& gen, bool activate,
                                    std::int64_t groups) {
  auto net = std::make_shared<Sequential>();
  append_conv_bn(*net, in, out, kernel, stride, gen, activate, groups);
  return net;
}

Stem::Stem(std::int64_t in, std::int64_t stem_channels, std::int64_t out, std::int64_t stride,
           Generator& gen)
    : Module("Stem") {
  conv_ = register_module("conv", conv_bn(in, stem_channels, 3, stride == 4 ? 2 : 1, gen));
  dw_ = register_module("dw", conv_bn(stem_channels, stem_channels, 3, 1, gen, true,
                                      /*groups=*/stem_channels));
  pw_ = register_module("pw", conv_bn(stem_channels, stem_channels, 1, 1, gen, false));
  out_ = register_module("out", conv_bn(stem_channels, out, 3, stride >= 2 ? 2 : 1, gen));
}

Variable Stem::forward(const Variable& image) {
  Variable x = (*conv_)(image);
  x = add(x, (*pw_)((*dw_)(x)));
  return (*out_)(x);
}

CAM::CAM(std::int64_t channels, std::int64_t reduction, Generator& gen) : Module("CAM") {
  const std::int64_t hidden = std::max<std::int64_t>(1, channels / reduction);
  pool_ = register_module("pool", std::make_shared<AdaptiveAvgPool2d>(Pair{1, 1}));
  reduce_ = register_module("reduce", conv(channels, hidden, 1, 1, gen, /*bias=*/true));
  act_ = register_module("act", std::make_shared<GELU>());
  expand_ = register_module("expand", conv(hidden, channels, 1, 1, gen, /*bias=*/true));
  gate_ = register_module("gate", std::make_shared<Sigmoid>());
}

Variable CAM::forward(const Variable& x) {
  Variable weights = (*gate_)((*expand_)((*act_)((*reduce_)((*pool_)(x)))));  // [N, C, 1, 1]
  return mul(x, weights);
}

FusionConv::FusionConv(std::int64_t in, std::int64_t out, bool down, bool cam,
                       std::int64_t cam_reduction, bool bottleneck, std::int64_t bn_width,
                       Generator& gen)
    : Module("FusionConv") {
  if (cam) cam_ = register_module("cam", std::make_shared<CAM>(in, cam_reduction, gen));
  net_ = register_module("net", std::make_shared<Sequential>());
  std::int64_t inner = in;
  if (bottleneck) {
    inner = std::min(in, bn_width * out);
    append_conv_bn(*net_, in, inner, 1, 1, gen);
  }
  append_conv_bn(*net_, inner, out, 3, down ? 2 : 1, gen);
}

Variable FusionConv::forward(const Variable& x) { return (*net_)(cam_ ? (*cam_)(x) : x); }

FusionLayer::FusionLayer(std::int64_t finer_channels, std::int64_t same_channels,
                         std::int64_t growth, bool cam, std::int64_t cam_reduction,
                         bool bottleneck, std::int64_t bn_width_finer, std::int64_t bn_width_same,
                         Generator& gen)
    : Module("FusionLayer") {
  CHASE_CHECK(finer_channels > 0 || same_channels > 0,
              "FusionLayer: both inputs are empty, the plan should have left this scale empty");
  const bool both = finer_channels > 0 && same_channels > 0;
  const std::int64_t out = both ? growth / 2 : growth;
  if (finer_channels > 0) {
    down_ = register_module("down", std::make_shared<FusionConv>(finer_channels, out, true, cam,
                                                                 cam_reduction, bottleneck,
                                                                 bn_width_finer, gen));
  }
  if (same_channels > 0) {
    normal_ = register_module("normal", std::make_shared<FusionConv>(same_channels, out, false,
                                                                     cam, cam_reduction,
                                                                     bottleneck, bn_width_same,
                                                                     gen));
  }
}

Variable FusionLayer::forward_pair(const Variable& finer, const Variable& same) {
  CHASE_CHECK(finer.defined() == (down_ != nullptr) && same.defined() == (normal_ != nullptr),
              "FusionLayer: expected a finer map {} and a same-scale map {}, got {} and {}",
              down_ ? "" : "(none)", normal_ ? "" : "(none)", shape_or_undefined(finer),
              shape_or_undefined(same));
  if (!down_) return (*normal_)(same);
  if (!normal_) return (*down_)(finer);
  // f before h, as Eq. 4 writes them (the order of the concatenation).
  Variable from_finer = (*down_)(finer);
  return concat({from_finer, (*normal_)(same)}, 1);
}

Variable FusionLayer::forward(const Variable&) {
  throw Error("FusionLayer: takes a finer and a same-scale map, call forward_pair");
}

GAL::GAL(std::int64_t channels, std::int64_t heads, std::int64_t mlp_ratio, Generator& gen)
    : Module("GAL") {
  cpe_ = register_module("cpe", conv(channels, channels, 3, 1, gen, /*bias=*/true,
                                     /*groups=*/channels));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(Shape{channels}));
  attn_ = register_module("attn", std::make_shared<MultiheadSelfAttention>(channels, heads, gen));
  if (mlp_ratio == 0) return;
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(Shape{channels}));
  mlp_ = register_module("mlp", std::make_shared<Sequential>());
  mlp_->push_back(std::make_shared<Linear>(channels, mlp_ratio * channels, gen));
  mlp_->push_back(std::make_shared<GELU>());
  mlp_->push_back(std::make_shared<Linear>(mlp_ratio * channels, channels, gen));
}

Variable GAL::forward(const Variable& x) {
  auto to_tokens = [](const Variable& map) { return permute(map, {0, 2, 3, 1}); };  // [N,H,W,C]
  auto to_map = [](const Variable& tokens) { return permute(tokens, {0, 3, 1, 2}); };
  Variable y = add(x, (*cpe_)(x));
  y = add(y, (*attn_)(to_map((*norm1_)(to_tokens(y)))));
  if (!mlp_) return y;
  return add(y, to_map((*mlp_)((*norm2_)(to_tokens(y)))));
}

Classifier::Classifier(std::int64_t in, std::int64_t channels, std::int64_t num_classes,
                       Generator& gen)
    : Module("Classifier") {
  m_ = register_module("m", std::make_shared<Sequential>());
  append_conv_bn(*m_, in, channels, 3, 2, gen);
  append_conv_bn(*m_, channels, channels, 3, 1, gen);
  m_->push_back(std::make_shared<AdaptiveAvgPool2d>(Pair{1, 1}));
  m_->push_back(std::make_shared<Flatten>());
  linear_ = register_module("linear", std::make_shared<Linear>(channels, num_classes, gen));
}

Variable Classifier::forward(const Variable& x) { return (*linear_)((*m_)(x)); }

}  // namespace chase::chase_net

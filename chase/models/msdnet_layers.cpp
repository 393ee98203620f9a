#include "chase/models/msdnet_layers.h"

#include <algorithm>

#include "autograd/functions.h"
#include "nn/avg_pool2d.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/relu.h"

namespace chase::msdnet {

namespace {

std::shared_ptr<Conv2d> conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                             std::int64_t stride, std::int64_t padding, Generator& gen,
                             bool bias = false) {
  Conv2dOptions options;
  options.stride = {stride, stride};
  options.padding = {padding, padding};
  return std::make_shared<Conv2d>(in, out, Pair{kernel, kernel}, gen, options, bias);
}

std::size_t index(std::int64_t i) { return static_cast<std::size_t>(i); }

}  // namespace

ConvBasic::ConvBasic(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                     std::int64_t padding, Generator& gen)
    : Module("ConvBasic") {
  net_ = register_module("net", std::make_shared<Sequential>());
  net_->push_back(conv(in, out, kernel, stride, padding, gen));
  net_->push_back(std::make_shared<BatchNorm2d>(out));
  net_->push_back(std::make_shared<ReLU>());
}

ConvBN::ConvBN(std::int64_t in, std::int64_t out, bool down, bool bottleneck,
               std::int64_t bn_width, Generator& gen)
    : Module("ConvBN") {
  net_ = register_module("net", std::make_shared<Sequential>());
  std::int64_t inner = in;
  if (bottleneck) {
    inner = std::min(in, bn_width * out);
    net_->push_back(conv(in, inner, 1, 1, 0, gen));
    net_->push_back(std::make_shared<BatchNorm2d>(inner));
    net_->push_back(std::make_shared<ReLU>());
  }
  net_->push_back(conv(inner, out, 3, down ? 2 : 1, 1, gen));
  net_->push_back(std::make_shared<BatchNorm2d>(out));
  net_->push_back(std::make_shared<ReLU>());
}

ConvNormal::ConvNormal(std::int64_t in, std::int64_t out, bool bottleneck, std::int64_t bn_width,
                       Generator& gen)
    : Module("ConvNormal") {
  conv_normal_ = register_module(
      "conv_normal", std::make_shared<ConvBN>(in, out, /*down=*/false, bottleneck, bn_width, gen));
}

Variable ConvNormal::forward(const Variable& same) {
  return concat({same, (*conv_normal_)(same)}, 1);
}

ConvDownNormal::ConvDownNormal(std::int64_t in_finer, std::int64_t in_same, std::int64_t out,
                               bool bottleneck, std::int64_t bn_width_finer,
                               std::int64_t bn_width_same, Generator& gen)
    : Module("ConvDownNormal") {
  conv_down_ = register_module(
      "conv_down",
      std::make_shared<ConvBN>(in_finer, out / 2, /*down=*/true, bottleneck, bn_width_finer, gen));
  conv_normal_ = register_module(
      "conv_normal",
      std::make_shared<ConvBN>(in_same, out / 2, /*down=*/false, bottleneck, bn_width_same, gen));
}

Variable ConvDownNormal::forward_pair(const Variable& finer, const Variable& same) {
  // The official order: the strided path runs before the same-scale one (it matters
  // to the FLOPs counter's forward-order walk, not to the values).
  auto down = (*conv_down_)(finer);
  auto normal = (*conv_normal_)(same);
  return concat({same, down, normal}, 1);
}

MSDNFirstLayer::MSDNFirstLayer(const MsdnetConfig& c, Generator& gen)
    : MultiScaleModule("MSDNFirstLayer") {
  layers_ = register_module("layers", std::make_shared<ModuleList<Module>>());
  const std::int64_t first = c.n_channels * c.gr_factor[0];
  if (c.stem == MsdnetStem::cifar) {
    layers_->push_back(std::make_shared<ConvBasic>(c.in_channels, first, 3, 1, 1, gen));
  } else {
    auto stem = std::make_shared<Sequential>();
    stem->push_back(conv(c.in_channels, first, 7, 2, 3, gen, /*bias=*/true));
    stem->push_back(std::make_shared<BatchNorm2d>(first));
    stem->push_back(std::make_shared<ReLU>());
    Pool2dOptions pool;
    pool.kernel = {3, 3};
    pool.stride = {2, 2};
    pool.padding = {1, 1};
    stem->push_back(std::make_shared<MaxPool2d>(pool));
    layers_->push_back(stem);
  }
  for (std::int64_t s = 1; s < c.n_scales(); ++s) {
    layers_->push_back(std::make_shared<ConvBasic>(c.n_channels * c.gr_factor[index(s - 1)],
                                                   c.n_channels * c.gr_factor[index(s)], 3, 2, 1,
                                                   gen));
  }
}

ScaleMaps MSDNFirstLayer::forward_scales(const ScaleMaps& x) {
  CHASE_CHECK(x.size() == 1, "MSDNFirstLayer: expected one input (the image), got {}", x.size());
  ScaleMaps out;
  Variable y = x[0];
  for (std::size_t s = 0; s < layers_->size(); ++s) {
    y = (*layers_)[s](y);
    out.push_back(y);
  }
  return out;
}

MSDNLayer::MSDNLayer(const MsdnetConfig& c, std::int64_t width, std::int64_t in_scales,
                     std::int64_t out_scales, Generator& gen)
    : MultiScaleModule("MSDNLayer"), in_scales_(in_scales), out_scales_(out_scales) {
  auto layers = register_module("layers", std::make_shared<ModuleList<Module>>());
  const auto& gr = c.gr_factor;
  const auto& bn = c.bn_factor;
  const std::int64_t growth = c.growth_rate;
  const std::int64_t offset = c.n_scales() - out_scales;  // index of the first output scale
  auto down_normal = [&](std::int64_t s) {
    auto m = std::make_shared<ConvDownNormal>(width * gr[index(s - 1)], width * gr[index(s)],
                                              growth * gr[index(s)], c.bottleneck,
                                              bn[index(s - 1)], bn[index(s)], gen);
    down_normal_.push_back(m);
    layers->push_back(m);
  };
  if (in_scales > out_scales) {
    down_normal(offset);
  } else {
    normal_ = std::make_shared<ConvNormal>(width * gr[index(offset)], growth * gr[index(offset)],
                                           c.bottleneck, bn[index(offset)], gen);
    layers->push_back(normal_);
  }
  for (std::int64_t s = offset + 1; s < c.n_scales(); ++s) down_normal(s);
}

ScaleMaps MSDNLayer::forward_scales(const ScaleMaps& x) {
  CHASE_CHECK(std::ssize(x) == in_scales_, "MSDNLayer: expected {} scales, got {}", in_scales_,
              x.size());
  ScaleMaps out;
  // With a dropped scale, x has one map more than the output: output i reads
  // x[i] (finer) and x[i + 1]; otherwise output 0 reads x[0] alone.
  const std::size_t shift = in_scales_ > out_scales_ ? 1 : 0;
  std::size_t next_pair = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(out_scales_); ++i) {
    const std::size_t same = i + shift;
    if (same == 0) {
      out.push_back((*normal_)(x[0]));
    } else {
      out.push_back(down_normal_[next_pair++]->forward_pair(x[same - 1], x[same]));
    }
  }
  return out;
}

ParallelModule::ParallelModule(const MsdnetConfig& c, std::int64_t in_width,
                               std::int64_t out_width, std::int64_t out_scales, Generator& gen)
    : MultiScaleModule("ParallelModule") {
  m_ = register_module("m", std::make_shared<ModuleList<ConvBasic>>());
  const std::int64_t offset = c.n_scales() - out_scales;
  for (std::int64_t i = 0; i < out_scales; ++i) {
    const auto factor = c.gr_factor[index(offset + i)];
    m_->push_back(std::make_shared<ConvBasic>(in_width * factor, out_width * factor, 1, 1, 0, gen));
  }
}

ScaleMaps ParallelModule::forward_scales(const ScaleMaps& x) {
  CHASE_CHECK(x.size() == m_->size(), "ParallelModule: expected {} scales, got {}", m_->size(),
              x.size());
  ScaleMaps out;
  for (std::size_t i = 0; i < x.size(); ++i) out.push_back((*m_)[i](x[i]));
  return out;
}

void MSDNBlock::push_back(std::shared_ptr<MultiScaleModule> layer) {
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(layer)));
}

ScaleMaps MSDNBlock::forward_scales(const ScaleMaps& x) {
  ScaleMaps y = x;
  for (const auto& layer : layers_) y = layer->forward_scales(y);
  return y;
}

ClassifierModule::ClassifierModule(const MsdnetConfig& c, std::int64_t in, Generator& gen)
    : Module("ClassifierModule") {
  const std::int64_t width = c.stem == MsdnetStem::cifar ? c.classifier_channels : in;
  m_ = register_module("m", std::make_shared<Sequential>());
  m_->push_back(std::make_shared<ConvBasic>(in, width, 3, 2, 1, gen));
  m_->push_back(std::make_shared<ConvBasic>(width, width, 3, 2, 1, gen));
  m_->push_back(std::make_shared<AvgPool2d>(Pool2dOptions{}));  // kernel 2, stride 2
  linear_ = register_module("linear", std::make_shared<Linear>(width, c.num_classes, gen));
}

Variable ClassifierModule::forward(const Variable& coarsest) {
  auto features = (*m_)(coarsest);
  CHASE_CHECK(features.size(2) == 1 && features.size(3) == 1,
              "ClassifierModule: the pooled map must be 1x1, got {}x{}", features.size(2),
              features.size(3));
  return (*linear_)(flatten(features, 1));
}

}  // namespace chase::msdnet

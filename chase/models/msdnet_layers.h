// The building blocks of MSDNet (Huang et al., ICLR 2018), one class per module
// of the official PyTorch code (kalviny/MSDNet-PyTorch, models/msdnet.py), with
// the same class names and the same child names, so that a state dict reads
// "blocks.1.0.layers.1.conv_down.net.3.weight" here as there.
//
// A multi-scale module maps a list of feature maps, finest scale first, to
// another such list. Its leaves (Conv2d, BatchNorm2d, ReLU, pools, Linear) are
// always called through Module::operator(), so that the FLOPs counter sees each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chase/models/msdnet_config.h"
#include "nn/sequential.h"
#include "tensor/random.h"

namespace chase::msdnet {

using ScaleMaps = std::vector<Variable>;  // [N, C_s, H_s, W_s], finest scale first

class MultiScaleModule : public Module {
 public:
  using Module::Module;
  virtual ScaleMaps forward_scales(const ScaleMaps& x) = 0;
};

// Children named "0", "1", ... as torch.nn.ModuleList, keeping their type.
template <class M>
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  void push_back(std::shared_ptr<M> module) {
    items_.push_back(register_module(std::to_string(items_.size()), std::move(module)));
  }
  std::size_t size() const { return items_.size(); }
  M& operator[](std::size_t i) const { return *items_.at(i); }

 private:
  std::vector<std::shared_ptr<M>> items_;
};

// conv (no bias) - BatchNorm - ReLU, as `net`.
class ConvBasic : public Module {
 public:
  ConvBasic(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
            std::int64_t padding, Generator& gen);
  Variable forward(const Variable& x) override { return (*net_)(x); }

 private:
  std::shared_ptr<Sequential> net_;
};

// MSDNet's basic convolution, as `net`: with the bottleneck, 1x1 conv to
// min(in, bn_width * out) channels - BN - ReLU first; then a 3x3 conv, stride 1
// ('normal') or 2 ('down'), - BN - ReLU.
class ConvBN : public Module {
 public:
  ConvBN(std::int64_t in, std::int64_t out, bool down, bool bottleneck, std::int64_t bn_width,
         Generator& gen);
  Variable forward(const Variable& x) override { return (*net_)(x); }

 private:
  std::shared_ptr<Sequential> net_;
};

// One output scale of an MSDN layer that reads its own scale only:
// concat(x, conv_normal(x)) along channels (dense connectivity).
class ConvNormal : public Module {
 public:
  ConvNormal(std::int64_t in, std::int64_t out, bool bottleneck, std::int64_t bn_width,
             Generator& gen);
  Variable forward(const Variable& same) override;

 private:
  std::shared_ptr<ConvBN> conv_normal_;
};

// One output scale that also reads the finer scale: concat(same, conv_down(finer),
// conv_normal(same)), each convolution giving out / 2 channels.
class ConvDownNormal : public Module {
 public:
  ConvDownNormal(std::int64_t in_finer, std::int64_t in_same, std::int64_t out, bool bottleneck,
                 std::int64_t bn_width_finer, std::int64_t bn_width_same, Generator& gen);
  Variable forward_pair(const Variable& finer, const Variable& same);

 private:
  std::shared_ptr<ConvBN> conv_down_, conv_normal_;
};

// The image to one map per scale: the first scale from the image (cifar: 3x3
// ConvBasic; imagenet: 7x7/2 conv with bias - BN - ReLU - 3x3/2 max-pool), each
// further scale a 3x3 stride-2 ConvBasic of the previous one. Input: {image}.
class MSDNFirstLayer : public MultiScaleModule {
 public:
  MSDNFirstLayer(const MsdnetConfig& config, Generator& gen);
  ScaleMaps forward_scales(const ScaleMaps& x) override;

 private:
  std::shared_ptr<ModuleList<Module>> layers_;
};

// One layer of the network on in_scales -> out_scales maps. When a scale is
// dropped (in > out), the finest input only feeds the strided convolution of
// the first output scale.
class MSDNLayer : public MultiScaleModule {
 public:
  MSDNLayer(const MsdnetConfig& config, std::int64_t width, std::int64_t in_scales,
            std::int64_t out_scales, Generator& gen);
  ScaleMaps forward_scales(const ScaleMaps& x) override;

 private:
  std::int64_t in_scales_, out_scales_;
  std::shared_ptr<ConvNormal> normal_;  // the first output scale when no scale is dropped
  std::vector<std::shared_ptr<ConvDownNormal>> down_normal_;  // the other output scales
};

// The transition: a 1x1 ConvBasic per remaining scale (ParallelModule in the
// official code, children under `m`).
class ParallelModule : public MultiScaleModule {
 public:
  ParallelModule(const MsdnetConfig& config, std::int64_t in_width, std::int64_t out_width,
                 std::int64_t out_scales, Generator& gen);
  ScaleMaps forward_scales(const ScaleMaps& x) override;

 private:
  std::shared_ptr<ModuleList<ConvBasic>> m_;
};

// A block: the official nn.Sequential of (first layer,) MSDN layers and transitions.
class MSDNBlock : public MultiScaleModule {
 public:
  MSDNBlock() : MultiScaleModule("MSDNBlock") {}
  void push_back(std::shared_ptr<MultiScaleModule> layer);
  ScaleMaps forward_scales(const ScaleMaps& x) override;

 private:
  std::vector<std::shared_ptr<MultiScaleModule>> layers_;
};

// A classifier on the coarsest scale: `m` = (ConvBasic 3x3/2, ConvBasic 3x3/2,
// AvgPool2d(2)), flattened, then `linear`. cifar: both convolutions to
// classifier_channels (128); imagenet: both keep the input width.
class ClassifierModule : public Module {
 public:
  ClassifierModule(const MsdnetConfig& config, std::int64_t in, Generator& gen);
  Variable forward(const Variable& coarsest) override;

 private:
  std::shared_ptr<Sequential> m_;
  std::shared_ptr<Module> linear_;
};

}  // namespace chase::msdnet

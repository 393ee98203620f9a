// MSDNet (Huang, Chen, Li, Wu, van der Maaten, Weinberger: "Multi-Scale Dense
// Networks for Resource Efficient Image Classification", ICLR 2018) as its
// official PyTorch code builds it (kalviny/MSDNet-PyTorch, models/msdnet.py at
// commit 9a6386e3ae9fed4f48a11644a152124b0a49a6d5): nBlocks blocks of MSDN layers
// on nScales scales, a classifier after every block. docs/msdnet.md describes the
// architecture, the presets and how the parameter counts and FLOPs were checked
// against the official code.
//
// State-dict names are the official ones ("blocks.0.0.layers.0.net.0.weight",
// "classifier.3.linear.bias"), so an official checkpoint's tensors load by name.
//
// Initialisation: the official constructor calls _init_weights on the direct
// children of each block (MSDNFirstLayer, MSDNLayer, ParallelModule) and on each
// ClassifierModule, none of which is a Conv2d, BatchNorm2d or Linear, so it changes
// nothing: the weights keep PyTorch's default initialisation, which nn/'s layers
// reproduce (nn/init.h; checked by running the official constructor under
// PyTorch 1.13: conv weights within +-1/sqrt(fan_in), std 1/sqrt(3 fan_in)).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "chase/models/msdnet_config.h"
#include "chase/models/msdnet_layers.h"
#include "chase/multi_exit_model.h"
#include "tensor/random.h"

namespace chase {

class Msdnet : public MultiExitModel {
 public:
  // Weights drawn from `init` in construction order.
  Msdnet(const MsdnetConfig& config, Generator& init);

  // x [N, in_channels, H, W] -> n_blocks logits [N, num_classes]. The official
  // order: block 1, classifier 1, block 2, classifier 2, ...
  std::vector<Variable> forward_exits(const Variable& x) override;
  std::int64_t exit_count() const override { return config_.n_blocks; }
  // Stages that stop after the block of the exit asked for.
  std::unique_ptr<ExitStages> exit_stages(const Variable& x) override;

  const MsdnetConfig& config() const { return config_; }
  const MsdnetPlan& plan() const { return plan_; }

 private:
  class Stages;

  MsdnetConfig config_;
  MsdnetPlan plan_;
  std::shared_ptr<msdnet::ModuleList<msdnet::MSDNBlock>> blocks_;
  std::shared_ptr<msdnet::ModuleList<msdnet::ClassifierModule>> classifier_;
};

}  // namespace chase

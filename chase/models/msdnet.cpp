#include "chase/models/msdnet.h"

#include "nn/input_checks.h"

namespace chase {

using msdnet::ClassifierModule;
using msdnet::MSDNBlock;
using msdnet::ModuleList;

Msdnet::Msdnet(const MsdnetConfig& config, Generator& init)
    : MultiExitModel("MSDNet"), config_(config), plan_(plan_msdnet(config)) {
  blocks_ = register_module("blocks", std::make_shared<ModuleList<MSDNBlock>>());
  classifier_ = register_module("classifier", std::make_shared<ModuleList<ClassifierModule>>());
  const std::int64_t scales = config.n_scales();
  // Blocks and classifiers are built interleaved, as the official constructor does.
  for (std::size_t b = 0; b < plan_.blocks.size(); ++b) {
    auto block = std::make_shared<MSDNBlock>();
    if (b == 0) block->push_back(std::make_shared<msdnet::MSDNFirstLayer>(config, init));
    for (const auto& layer : plan_.blocks[b]) {
      block->push_back(std::make_shared<msdnet::MSDNLayer>(config, layer.width, layer.in_scales,
                                                           layer.out_scales, init));
      if (layer.transition_width > 0) {
        block->push_back(std::make_shared<msdnet::ParallelModule>(
            config, layer.width + config.growth_rate, layer.transition_width, layer.out_scales,
            init));
      }
    }
    blocks_->push_back(block);
    const std::int64_t width = plan_.block_out_width[b] * config.gr_factor[std::size_t(scales - 1)];
    classifier_->push_back(std::make_shared<ClassifierModule>(config, width, init));
  }
}

std::vector<Variable> Msdnet::forward_exits(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == config_.in_channels,
              "MSDNet: expected input [N, {}, H, W], got {}", config_.in_channels,
              shape_or_undefined(x));
  check_msdnet_input(config_, x.size(2), x.size(3));
  std::vector<Variable> logits;
  msdnet::ScaleMaps maps{x};
  for (std::size_t b = 0; b < blocks_->size(); ++b) {
    maps = (*blocks_)[b].forward_scales(maps);
    logits.push_back((*classifier_)[b](maps.back()));
  }
  return logits;
}

}  // namespace chase

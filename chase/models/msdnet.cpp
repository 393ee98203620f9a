#include "chase/models/msdnet.h"

#include "autograd/functions.h"
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

// Block b, then classifier b: each exit needs its block and nothing after it.
class Msdnet::Stages final : public ExitStages {
 public:
  Stages(Msdnet& net, const Variable& x) : net_(net), maps_{x} {
    CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == net.config_.in_channels,
                "MSDNet: expected input [N, {}, H, W], got {}", net.config_.in_channels,
                shape_or_undefined(x));
    check_msdnet_input(net.config_, x.size(2), x.size(3));
  }

  Variable next() override {
    CHASE_CHECK(block_ < net_.blocks_->size(), "MSDNet: all {} exits already computed",
                net_.blocks_->size());
    maps_ = (*net_.blocks_)[block_].forward_scales(maps_);
    return (*net_.classifier_)[block_++](maps_.back());
  }

  void keep(const Tensor& rows) override {
    for (auto& map : maps_) map = index_select(map, 0, rows);
  }

 private:
  Msdnet& net_;
  msdnet::ScaleMaps maps_;
  std::size_t block_ = 0;
};

std::unique_ptr<ExitStages> Msdnet::exit_stages(const Variable& x) {
  return std::make_unique<Stages>(*this, x);
}

std::vector<Variable> Msdnet::forward_exits(const Variable& x) {
  auto stages = exit_stages(x);
  std::vector<Variable> logits;
  for (std::int64_t b = 0; b < config_.n_blocks; ++b) logits.push_back(stages->next());
  return logits;
}

}  // namespace chase

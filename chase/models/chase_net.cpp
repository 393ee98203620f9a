#include "chase/models/chase_net.h"

#include "autograd/functions.h"
#include "nn/input_checks.h"

namespace chase {
namespace {

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

}  // namespace

namespace chase_net {

Block::Block(const ChaseConfig& config, const ChasePlan& plan, std::int64_t block,
             Generator& gen)
    : Module("ChaseBlock") {
  const std::int64_t scales = config.n_scales(), first = plan.first_scale[at(block)];
  const auto& stack = plan.stack[at(block)];
  layers = register_module("layers", std::make_shared<ModuleList<ModuleList<FusionLayer>>>());
  for (std::int64_t l = 1; l <= config.layers_per_block; ++l) {
    auto layer = std::make_shared<ModuleList<FusionLayer>>();
    for (std::int64_t s = first; s < scales; ++s) {
      const std::int64_t finer = s > first ? stack[at(l)][at(s - 1)] : 0;
      layer->push_back(std::make_shared<FusionLayer>(
          finer, stack[at(l - 1)][at(s)], plan.width[at(block)][at(l)][at(s)], config.cam,
          config.cam_reduction, config.bottleneck, s > 0 ? config.bn_factor[at(s - 1)] : 0,
          config.bn_factor[at(s)], gen));
    }
    layers->push_back(layer);
  }
  const auto& last = stack[at(config.layers_per_block)];
  if (plan.gal_after[at(block)]) {
    gal = register_module("gal", std::make_shared<GAL>(last[at(scales - 1)], config.gal_heads,
                                                       config.gal_mlp_ratio, gen));
  }
  if (block + 1 < config.n_blocks) {
    transition = register_module("transition", std::make_shared<ModuleList<Sequential>>());
    const auto& next = plan.width[at(block + 1)][0];
    for (std::int64_t s = first + 1; s < scales; ++s) {
      transition->push_back(conv_bn(last[at(s)], next[at(s)], 1, 1, gen));
    }
  }
}

Variable Block::forward(const Variable&) {
  throw Error("ChaseBlock: a block works on one map per scale; ChaseNet::forward_exits drives it");
}

}  // namespace chase_net

using chase_net::Block;
using chase_net::Classifier;

ChaseNet::ChaseNet(const ChaseConfig& config, Generator& init)
    : MultiExitModel("ChaseNet"), config_(config) {
  validate(config_);
  plan_ = plan_chase(config_);
  stem_ = register_module("stem", std::make_shared<chase_net::Stem>(
                                      config.in_channels, config.stem_channels,
                                      config.first_channels, config.stem_stride, init));
  blocks_ = register_module("blocks", std::make_shared<msdnet::ModuleList<Block>>());
  for (std::int64_t b = 0; b < config.n_blocks; ++b) {
    blocks_->push_back(std::make_shared<Block>(config_, plan_, b, init));
  }
  classifiers_ = register_module("classifiers", std::make_shared<msdnet::ModuleList<Classifier>>());
  for (const auto& exit : plan_.exits) {
    classifiers_->push_back(std::make_shared<Classifier>(
        exit.channels, config.classifier_channels, config.num_classes, init));
  }
}

// The forward pass as a walk from exit to exit. The position (block_, layer_)
// says which of x_{b,l} the stacks hold: layer 0 is the block's input (the
// stem's map, or the transition's output); after a block's last layer come its
// GAL and its transition, so a non-last block is never left at layer L. An exit
// between two blocks reads only the coarsest scale's transition, so the other
// scales' transitions wait until the next layer needs them: an image leaving
// there has computed nothing its exit does not read (the `sequential` FLOPs).
class ChaseNet::Stages final : public ExitStages {
 public:
  Stages(ChaseNet& net, const Variable& x) : net_(net), stack_(at(net.config_.n_scales())) {
    CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == net.config_.in_channels,
                "ChaseNet: expected input [N, {}, H, W], got {}", net.config_.in_channels,
                shape_or_undefined(x));
    stack_[0] = (*net.stem_)(x);
  }

  Variable next() override {
    const auto& exits = net_.plan_.exits;
    CHASE_CHECK(exit_ < exits.size(), "ChaseNet: all {} exits already computed", exits.size());
    while (exits[exit_].block != block_ || exits[exit_].layer != layer_) advance();
    return (*net_.classifiers_)[exit_++](stack_.back());
  }

  void keep(const Tensor& rows) override {
    for (auto& map : stack_) {
      if (map.defined()) map = index_select(map, 0, rows);
    }
  }

 private:
  // Computes layer layer_ + 1 of block block_ at every kept scale, then, after
  // the block's last layer, its GAL and its transition.
  void advance() {
    const auto& config = net_.config_;
    const std::int64_t scales = config.n_scales(), layers = config.layers_per_block;
    CHASE_CHECK(layer_ < layers, "ChaseNet: the plan's exit {} lies past the network's end",
                exit_ + 1);
    if (layer_ == 0 && block_ > 0) transition_finer_scales();
    chase_net::Block& block = (*net_.blocks_)[at(block_)];
    const std::int64_t first = net_.plan_.first_scale[at(block_)];
    auto& layer = (*block.layers)[at(layer_)];
    for (std::int64_t s = first; s < scales; ++s) {
      // Finest scale first: the finer stack already holds this layer's output
      // there (Eq. 4 reads i <= l), this scale's stack does not yet (i < l).
      Variable finer = s > first ? stack_[at(s - 1)] : Variable();
      Variable out = layer[at(s - first)].forward_pair(finer, stack_[at(s)]);
      stack_[at(s)] = stack_[at(s)].defined() ? concat({stack_[at(s)], out}, 1) : out;
    }
    if (++layer_ < layers) return;
    auto& coarsest = stack_.back();
    if (block.gal) coarsest = (*block.gal)(coarsest);
    if (!block.transition) return;  // the last block: its exit reads this map
    stack_[at(first)] = Variable();  // Eq. 2: the next block drops this scale
    coarsest = (*block.transition)[at(scales - first - 2)](coarsest);
    ++block_;
    layer_ = 0;
  }

  // The transitions of the previous block into every kept scale but the coarsest.
  void transition_finer_scales() {
    const chase_net::Block& previous = (*net_.blocks_)[at(block_ - 1)];
    const std::int64_t first = net_.plan_.first_scale[at(block_ - 1)];
    for (std::int64_t s = first + 1; s + 1 < net_.config_.n_scales(); ++s) {
      stack_[at(s)] = (*previous.transition)[at(s - first - 1)](stack_[at(s)]);
    }
  }

  ChaseNet& net_;
  // stack_[s]: concat_{i<=l} x^s_{b,i} at the current position; undefined while
  // empty. Exits read the coarsest one.
  std::vector<Variable> stack_;
  std::int64_t block_ = 0, layer_ = 0;
  std::size_t exit_ = 0;  // the next exit to compute
};

std::unique_ptr<ExitStages> ChaseNet::exit_stages(const Variable& x) {
  return std::make_unique<Stages>(*this, x);
}

std::vector<Variable> ChaseNet::forward_exits(const Variable& x) {
  auto stages = exit_stages(x);
  std::vector<Variable> logits;
  for (std::size_t k = 0; k < plan_.exits.size(); ++k) logits.push_back(stages->next());
  return logits;
}

}  // namespace chase

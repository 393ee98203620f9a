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

std::vector<Variable> ChaseNet::forward_exits(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == config_.in_channels,
              "ChaseNet: expected input [N, {}, H, W], got {}", config_.in_channels,
              shape_or_undefined(x));
  const std::int64_t scales = config_.n_scales(), layers = config_.layers_per_block;
  std::vector<Variable> logits;
  // stack[s]: concat_{i<=l} x^s_{b,i} of the current block and layer; undefined
  // while empty. Exits read the coarsest one, in the plan's order.
  std::vector<Variable> stack(at(scales));
  auto& coarsest = stack.back();
  auto exit_if_due = [&](std::int64_t block, std::int64_t layer) {
    const auto k = logits.size();
    if (k < plan_.exits.size() && plan_.exits[k].block == block && plan_.exits[k].layer == layer) {
      logits.push_back((*classifiers_)[k](coarsest));
    }
  };
  stack[0] = (*stem_)(x);
  for (std::int64_t b = 0; b < config_.n_blocks; ++b) {
    Block& block = (*blocks_)[at(b)];
    const std::int64_t first = plan_.first_scale[at(b)];
    exit_if_due(b, 0);
    for (std::int64_t l = 1; l <= layers; ++l) {
      auto& layer = (*block.layers)[at(l - 1)];
      for (std::int64_t s = first; s < scales; ++s) {
        // Finest scale first: the finer stack already holds this layer's output
        // there (Eq. 4 reads i <= l), this scale's stack does not yet (i < l).
        Variable finer = s > first ? stack[at(s - 1)] : Variable();
        Variable out = layer[at(s - first)].forward_pair(finer, stack[at(s)]);
        stack[at(s)] = stack[at(s)].defined() ? concat({stack[at(s)], out}, 1) : out;
      }
      if (l < layers) exit_if_due(b, l);
    }
    if (block.gal) coarsest = (*block.gal)(coarsest);
    if (!block.transition) break;  // the last block: its exit follows
    stack[at(first)] = Variable();  // Eq. 2: the next block drops this scale
    for (std::int64_t s = first + 1; s < scales; ++s) {
      stack[at(s)] = (*block.transition)[at(s - first - 1)](stack[at(s)]);
    }
  }
  exit_if_due(config_.n_blocks - 1, layers);
  CHASE_CHECK(logits.size() == plan_.exits.size(), "ChaseNet: computed {} exits, the plan has {}",
              logits.size(), plan_.exits.size());
  return logits;
}

}  // namespace chase

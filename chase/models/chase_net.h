// CHASE (Addad, Lechervy, Jurie: "CHASE: Channel-Wise and Spatial Attention for
// Early Exiting in Image Classification"): an MSDNet-style multi-scale network
// whose fusion layers weigh their input channels (CAM) and whose final block ends
// with self-attention over the coarsest map (GAL), with an exit every kappa layers.
// chase/models/chase_config.h computes the layout; chase/models/chase_layers.h has
// the parts; docs/chase.md states every choice the paper leaves open.
//
// State-dict names, shared with benchmarks/peers/chase_torch.py:
//   stem.{conv,dw,pw,out}.N.*                         the stem's four convolutions
//   blocks.B.layers.L.J.{down,normal}.{cam,net}.*     layer L + 1 of block B + 1 at its
//                                                     J-th kept scale (scale B + J + 1)
//   blocks.B.gal.*                                    the GAL ending block B + 1, if any
//   blocks.B.transition.J.N.*                         T_{B+1} into scale B + J + 2
//   classifiers.K.{m.N,linear}.*                      exit K + 1
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "chase/models/chase_config.h"
#include "chase/models/chase_layers.h"
#include "chase/multi_exit_model.h"
#include "tensor/random.h"

namespace chase {

namespace chase_net {

// One block: its L layers (each a list of FusionLayers, one per kept scale), the
// GAL that may end it, and the transition into the next block (none for the last).
class Block : public Module {
 public:
  Block(const ChaseConfig& config, const ChasePlan& plan, std::int64_t block, Generator& gen);

  std::shared_ptr<ModuleList<ModuleList<FusionLayer>>> layers;
  std::shared_ptr<GAL> gal;                          // null: no GAL after this block
  std::shared_ptr<ModuleList<Sequential>> transition;  // null for the last block

  Variable forward(const Variable&) override;  // refused: the network drives a block
};

}  // namespace chase_net

class ChaseNet : public MultiExitModel {
 public:
  // Weights drawn from `init`: the stem, the blocks in order, then the classifiers.
  ChaseNet(const ChaseConfig& config, Generator& init);

  // x [N, in_channels, H, W] -> one logits [N, num_classes] per exit, computed in
  // the order the network reaches them (each classifier as soon as its map exists).
  std::vector<Variable> forward_exits(const Variable& x) override;
  std::int64_t exit_count() const override { return std::ssize(plan_.exits); }
  // Stages that run each block's layers only as far as the next exit needs.
  std::unique_ptr<ExitStages> exit_stages(const Variable& x) override;

  const ChaseConfig& config() const { return config_; }
  const ChasePlan& plan() const { return plan_; }

 private:
  class Stages;

  ChaseConfig config_;
  ChasePlan plan_;
  std::shared_ptr<chase_net::Stem> stem_;
  std::shared_ptr<msdnet::ModuleList<chase_net::Block>> blocks_;
  std::shared_ptr<msdnet::ModuleList<chase_net::Classifier>> classifiers_;
};

}  // namespace chase

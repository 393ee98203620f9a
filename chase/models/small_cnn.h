// The small CNN of `chase train --model small-cnn`, for 28x28 Fashion-MNIST
// and 32x32 CIFAR images alike:
//
//   [conv3x3(C -> 32) BN GELU] [conv3x3(32 -> 32) BN GELU] maxpool2
//   [conv3x3(32 -> 64) BN GELU] [conv3x3(64 -> 64) BN GELU] maxpool2
//   flatten, linear(64 * H/4 * W/4 -> 128) GELU dropout, linear(128 -> classes)
//
// Convolutions have no bias (the BatchNorm after each one has its own). A
// one-exit MultiExitModel whose layers are registered by position, as in a
// torch.nn.Sequential, so its state-dict names ("0.weight", "1.running_mean",
// ...) are those of the same network in PyTorch (benchmarks/peers/train_torch.py)
// and of the checkpoints written before it became a MultiExitModel.
// About 19 M multiply-adds per 28x28 image, most of them in the two
// 32- and 64-channel convolutions at full and half resolution.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "chase/multi_exit_model.h"
#include "data/dataset.h"
#include "tensor/random.h"

namespace chase {

class SmallCnn : public MultiExitModel {
 public:
  // Weights are drawn from `init`; the dropout layer draws from `dropout_rng`,
  // which the caller keeps (and checkpoints) to make a run reproducible.
  SmallCnn(data::ImageShape input, std::int64_t num_classes, Generator& init,
           std::shared_ptr<Generator> dropout_rng, double dropout = 0.25);

  std::vector<Variable> forward_exits(const Variable& x) override;
  std::int64_t exit_count() const override { return 1; }

 private:
  void add(std::shared_ptr<Module> layer);
  void add_conv_bn_gelu(std::int64_t in_channels, std::int64_t out_channels, Generator& init);

  std::vector<std::shared_ptr<Module>> layers_;  // applied in order, named "0", "1", ...
};

}  // namespace chase

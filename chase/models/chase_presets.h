// The named CHASE configurations of `chase train --model` and `chase flops`:
// chase-cifar10 and chase-cifar100 (32x32 RGB, exits from about 1e7 to 8e7
// multiply-adds), chase-imagenet (224x224, about 0.3e9 to 2.7e9), chase-fmnist
// (28x28 grey, sized for a 90-minute training on two cores) and its ablations
// (no CAM, no GAL, neither, GAL in the two final blocks). docs/chase.md gives the
// reason of every number and the table of parameters and FLOPs per exit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "chase/models/chase_net.h"
#include "data/dataset.h"

namespace chase {

struct ChasePreset {
  std::string name;         // "chase-cifar10", ...
  std::string summary;      // one line for listings
  ChaseConfig config;       // in_channels and num_classes: the default input's
  data::ImageShape input;   // the input the preset is meant for
};

std::span<const ChasePreset> chase_presets();
const ChasePreset& chase_preset(const std::string& name);  // throws listing the names

// The preset's architecture for `input` images into `num_classes` classes.
std::shared_ptr<ChaseNet> make_chase_preset(const std::string& name, data::ImageShape input,
                                            std::int64_t num_classes, Generator& init);

}  // namespace chase

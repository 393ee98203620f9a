// The named MSDNet configurations of `chase train --model` and `chase flops`,
// each reproducing one official command line (the table in msdnet_presets.cpp
// cites it; docs/msdnet.md gives the official parameter counts and FLOPs).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "chase/models/msdnet.h"
#include "data/dataset.h"

namespace chase {

struct MsdnetPreset {
  std::string name;         // "msdnet-cifar-anytime", ...
  std::string source;       // the official command line it reproduces, and where
  MsdnetConfig config;      // in_channels and num_classes: the default input's
  data::ImageShape input;   // the input the preset is meant for (3x32x32, ...)
};

std::span<const MsdnetPreset> msdnet_presets();
std::span<const std::string> msdnet_preset_names();
bool is_msdnet_preset(const std::string& name);

// The preset's configuration for `input` images and `num_classes` classes (the
// architecture is the preset's; the first layer takes input.channels). Throws,
// naming the valid presets, for an unknown name, and naming the sizes that work
// when the classifier heads cannot take the input size.
MsdnetConfig msdnet_preset_config(const std::string& name, data::ImageShape input,
                                  std::int64_t num_classes);
const MsdnetPreset& msdnet_preset(const std::string& name);

std::shared_ptr<Msdnet> make_msdnet_preset(const std::string& name, data::ImageShape input,
                                           std::int64_t num_classes, Generator& init);

}  // namespace chase

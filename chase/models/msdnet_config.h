// MSDNet's hyper-parameters, named and defaulted as the official PyTorch code's
// args.py (kalviny/MSDNet-PyTorch), and the layout they imply: how many layers
// each block has (stepmode), how many scales every layer reads and writes (prune),
// and where the 1x1 transitions go. The layout is computed once here, in plain
// integers, so that the model, the tests and the documentation read the same plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chase {

// The official code picks the first layer and the classifier heads from args.data:
// 'cifar*' -> a 3x3 stride-1 first conv and heads conv(128) conv(128) avgpool linear;
// 'ImageNet' -> 7x7 stride-2 conv (with bias) + 3x3 stride-2 max-pool, and heads that
// keep the block's width.
enum class MsdnetStem { cifar, imagenet };
// Layers per block: base for the first block, then `step` each (even) or
// step * i + 1 for block i >= 1 (lin_grow).
enum class MsdnetStepMode { even, lin_grow };
// When the finest scales are dropped: max (MSDNet's default) drops one every
// ceil(layers / scales) layers; min keeps every scale until the last layers.
enum class MsdnetPrune { min, max };

struct MsdnetConfig {
  std::int64_t in_channels = 3;
  std::int64_t num_classes = 10;
  MsdnetStem stem = MsdnetStem::cifar;
  std::int64_t n_blocks = 1;     // --nBlocks: one classifier per block
  std::int64_t n_channels = 32;  // --nChannels: width of the finest scale's first layer
  std::int64_t base = 4;         // --base: layers of the first block
  MsdnetStepMode step_mode = MsdnetStepMode::even;  // --stepmode
  std::int64_t step = 1;                            // --step
  std::int64_t growth_rate = 6;                     // --growthRate (finest scale)
  std::vector<std::int64_t> gr_factor{1, 2, 4};     // --grFactor: one per scale
  std::vector<std::int64_t> bn_factor{1, 2, 4};     // --bnFactor: bottleneck width factors
  MsdnetPrune prune = MsdnetPrune::max;             // --prune
  double reduction = 0.5;                           // --reduction: transitions' channel factor
  bool bottleneck = true;                           // --bottleneck
  // Width of the CIFAR heads' two convolutions: 128 in the official code (fixed
  // there); smaller only for the tiny golden test, to keep its file small.
  std::int64_t classifier_channels = 128;

  std::int64_t n_scales() const { return static_cast<std::int64_t>(gr_factor.size()); }
};

// Throws chase::Error naming the first bad field (non-positive sizes, factor lists
// of different lengths, an odd growth at a scale that splits it in two halves).
void validate(const MsdnetConfig& config);

// One MSDN layer of the plan: it reads in_scales maps and writes out_scales
// (the coarsest ones), each scale s holding width * gr_factor[s] channels before
// and (width + growth_rate) * gr_factor[s] after; a transition then maps every
// scale to transition_width * gr_factor[s] channels (0: no transition).
struct MsdnetLayerPlan {
  std::int64_t in_scales, out_scales;
  std::int64_t width;             // nIn of the official code, finest-scale units
  std::int64_t transition_width;  // floor(reduction * (width + growth)), or 0
};

struct MsdnetPlan {
  std::vector<std::int64_t> steps;                  // layers per block
  std::vector<std::vector<MsdnetLayerPlan>> blocks;  // the layers of each block
  std::vector<std::int64_t> block_out_width;        // nIn after each block
  std::int64_t total_layers() const;
};

MsdnetPlan plan_msdnet(const MsdnetConfig& config);

// The spatial size (square side) of every scale for a side x side input, and a
// check that the classifier heads reduce the coarsest scale to exactly 1x1
// (their AvgPool2d(2) and Linear(width) assume it: the coarsest scale must be 5..12
// wide). Throws an error naming the input size and the sizes that work.
std::vector<std::int64_t> msdnet_scale_sizes(const MsdnetConfig& config, std::int64_t side);
void check_msdnet_input(const MsdnetConfig& config, std::int64_t height, std::int64_t width);

// The configuration as one JSON object whose keys are the field names
// ({"base": 4, "bn_factor": [1, 2, 4], ..., "stem": "cifar", "step_mode": "even"}),
// as benchmarks/peers/msdnet_torch.py reads and writes it. Parsing refuses a
// missing or unknown key and a bad enum name, naming it.
std::string msdnet_config_json(const MsdnetConfig& config);
MsdnetConfig parse_msdnet_config_json(const std::string& text);

std::string to_string(MsdnetStem stem);
std::string to_string(MsdnetStepMode mode);
std::string to_string(MsdnetPrune prune);

}  // namespace chase

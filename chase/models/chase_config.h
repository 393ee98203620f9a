// CHASE's hyper-parameters (Addad, Lechervy, Jurie: "CHASE: Channel-Wise and
// Spatial Attention for Early Exiting in Image Classification") and the layout
// they imply, computed once in plain integers so that the model, the tests, the
// PyTorch port and docs/chase.md read the same plan: how many channels every
// scale holds in every layer of every block, and where each exit reads.
//
// Notation of the paper: blocks b = 1..B on scales s = 1..S (finest first); block
// b keeps the scales s >= b (Eq. 2); layer l = 1..L of a block writes
// x^s_{b,l} = f(CAM(concat_{i<=l} x^{s-1}_{b,i})) concat h(CAM(concat_{i<l} x^s_{b,i}))
// (Eq. 4); x^s_{b,0} is the block's input at scale s: the stem's map for s = 1 of
// block 1 (empty for s > 1), the transition T_{b-1} of the previous block's stack
// otherwise (Eq. 3). Code indices count from 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chase {

// Where the Global Attention Layer goes: nowhere (ablation), on the coarsest scale
// at the end of the final block (the paper's CHASE), or at the end of each of the
// two final blocks (the paper's "GAL in the last scale of the two final blocks").
enum class GalPlacement { none, last_block, last_two_blocks };

struct ChaseConfig {
  std::int64_t in_channels = 3;
  std::int64_t num_classes = 10;

  // Stem: conv 3x3 to stem_channels, a depthwise 3x3 and a pointwise 1x1 added
  // back to it (the residual), a 3x3 conv to first_channels (chase_layers.h).
  std::int64_t stem_channels = 32;
  std::int64_t stem_stride = 2;  // 1, 2 (the last conv strides) or 4 (the first too)
  std::int64_t first_channels = 32;  // x^1_0

  std::int64_t n_blocks = 3;          // B <= S
  std::int64_t layers_per_block = 4;  // L = l_last
  std::int64_t kappa = 2;             // an exit every kappa layers, and one at the end
  std::int64_t growth = 12;           // channels each layer adds at the finest scale
  std::vector<std::int64_t> gr_factor{1, 2, 4};  // growth factor per scale; S = its size
  std::vector<std::int64_t> bn_factor{1, 2, 4};  // bottleneck width factor per scale
  bool bottleneck = true;  // f and h: 1x1 to min(in, bn_factor * out) before the 3x3
  double reduction = 0.5;  // transitions' channel factor (Eq. 3)

  bool cam = true;                 // CAM before every f and h (Eq. 4; off: Eq. 1)
  std::int64_t cam_reduction = 2;  // r
  GalPlacement gal = GalPlacement::last_block;
  std::int64_t gal_heads = 4;
  std::int64_t gal_mlp_ratio = 2;  // the GAL's MLP hidden width over its channels; 0: no MLP

  std::int64_t classifier_channels = 128;  // width of each exit's two convolutions

  std::int64_t n_scales() const { return static_cast<std::int64_t>(gr_factor.size()); }
};

// Throws chase::Error naming the first bad field (B > S, kappa out of range, an odd
// growth at a scale that splits it between f and h, a GAL width its heads do not
// divide, ...).
void validate(const ChaseConfig& config);

// Where an exit reads: the coarsest scale of block `block` (0-based) after `layer`
// layers of it, layer 0 being the block's input x_{b,0} (the transition's output),
// with `gal` when the block's GAL runs before it (the last exit of a GAL block).
struct ChaseExit {
  std::int64_t global_layer;  // k * kappa, or B * L for the last exit
  std::int64_t block, layer;
  std::int64_t channels;  // of the map the classifier reads
};

struct ChasePlan {
  // width[b][l][s]: channels of x^s_{b,l} (0 = empty), l = 0..L, s = 0..S-1.
  std::vector<std::vector<std::vector<std::int64_t>>> width;
  // stack[b][l][s]: channels of concat_{i<=l} x^s_{b,i}, what layer l + 1 reads.
  std::vector<std::vector<std::vector<std::int64_t>>> stack;
  std::vector<std::int64_t> first_scale;  // first scale block b keeps: b (Eq. 2)
  std::vector<bool> gal_after;            // block b ends with a GAL
  std::vector<ChaseExit> exits;
};

ChasePlan plan_chase(const ChaseConfig& config);

// The exit placement of the paper (Sec. II-C), 0-based blocks: exit k = 1..K reads
// block b_k = ceil((k - 1) kappa / L), layer l_k = (k kappa) mod L. It names the
// exit after global layer k kappa (plan_chase's placement) exactly when
// l_k <= kappa < L + l_k; otherwise it is a block off (kappa = L puts exit 1 on
// the stem's map, kappa = 1 with L = 3 puts exit 3 before exit 2), so plan_chase
// counts global layers and the tests compare the two where the formula holds.
ChaseExit paper_exit_placement(std::int64_t k, std::int64_t kappa, std::int64_t layers_per_block);

// Spatial side of every scale for a square side x side input.
std::vector<std::int64_t> chase_scale_sides(const ChaseConfig& config, std::int64_t side);

// The configuration as one JSON object keyed by the field names, as
// benchmarks/peers/chase_torch.py reads it; parsing refuses missing and unknown keys.
std::string chase_config_json(const ChaseConfig& config);
ChaseConfig parse_chase_config_json(const std::string& text);

// The plan as one compact JSON object {width, stack, first_scale, gal_after, exits:
// [{global_layer, block, layer, channels}]}, keys sorted, as chase_torch.py's
// plan_json writes its own: the PyTorch port checks it plans the same network.
std::string chase_plan_json(const ChasePlan& plan);

std::string to_string(GalPlacement placement);  // "none", "last_block", "last_two_blocks"

}  // namespace chase

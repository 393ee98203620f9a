#include "chase/models/chase_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "tensor/error.h"

namespace chase {
namespace {

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

std::int64_t halved(std::int64_t side) { return (side + 1) / 2; }  // 3x3, stride 2, pad 1

}  // namespace

void validate(const ChaseConfig& c) {
  auto positive = [](std::int64_t value, const char* name) {
    CHASE_CHECK(value > 0, "CHASE config: {} must be positive, got {}", name, value);
  };
  positive(c.in_channels, "in_channels");
  positive(c.num_classes, "num_classes");
  positive(c.stem_channels, "stem_channels");
  positive(c.first_channels, "first_channels");
  positive(c.n_blocks, "n_blocks");
  positive(c.layers_per_block, "layers_per_block");
  positive(c.growth, "growth");
  positive(c.cam_reduction, "cam_reduction");
  positive(c.gal_heads, "gal_heads");
  CHASE_CHECK(c.gal_mlp_ratio >= 0, "CHASE config: gal_mlp_ratio must be 0 (no MLP) or more, got {}",
              c.gal_mlp_ratio);
  positive(c.classifier_channels, "classifier_channels");
  CHASE_CHECK(c.stem_stride == 1 || c.stem_stride == 2 || c.stem_stride == 4,
              "CHASE config: stem_stride must be 1, 2 or 4, got {}", c.stem_stride);
  CHASE_CHECK(!c.gr_factor.empty() && c.gr_factor.size() == c.bn_factor.size(),
              "CHASE config: gr_factor and bn_factor need one entry per scale, got {} and {}",
              c.gr_factor.size(), c.bn_factor.size());
  for (std::size_t s = 0; s < c.gr_factor.size(); ++s) {
    CHASE_CHECK(c.gr_factor[s] > 0 && c.bn_factor[s] > 0,
                "CHASE config: gr_factor and bn_factor must be positive, got {} and {}",
                c.gr_factor, c.bn_factor);
    // Every scale but the finest can read both a finer and its own scale: f and h
    // then write half of its growth each.
    CHASE_CHECK(s == 0 || c.growth * c.gr_factor[s] % 2 == 0,
                "CHASE config: growth * gr_factor[{}] = {} must be even (f and h split it)", s,
                c.growth * c.gr_factor[s]);
  }
  // Eq. 2 drops one scale per block and the coarsest must remain.
  CHASE_CHECK(c.n_blocks <= c.n_scales(),
              "CHASE config: n_blocks {} must not exceed the number of scales {} (block b keeps "
              "scales b..S)",
              c.n_blocks, c.n_scales());
  CHASE_CHECK(c.kappa >= 1 && c.kappa <= c.n_blocks * c.layers_per_block,
              "CHASE config: kappa must lie in [1, n_blocks * layers_per_block = {}], got {}",
              c.n_blocks * c.layers_per_block, c.kappa);
  CHASE_CHECK(c.reduction > 0.0 && c.reduction <= 1.0,
              "CHASE config: reduction must lie in (0, 1], got {}", c.reduction);
  CHASE_CHECK(c.gal != GalPlacement::last_two_blocks || c.n_blocks >= 2,
              "CHASE config: GAL in the two final blocks needs n_blocks >= 2, got {}", c.n_blocks);
  plan_chase(c);  // the widths: transitions keep a channel, GAL heads divide theirs
}

ChasePlan plan_chase(const ChaseConfig& c) {
  const std::int64_t blocks = c.n_blocks, layers = c.layers_per_block, scales = c.n_scales();
  ChasePlan plan;
  plan.width.assign(at(blocks), std::vector<std::vector<std::int64_t>>(
                                    at(layers + 1), std::vector<std::int64_t>(at(scales), 0)));
  plan.stack = plan.width;
  for (std::int64_t b = 0; b < blocks; ++b) {
    plan.first_scale.push_back(b);
    plan.gal_after.push_back((c.gal == GalPlacement::last_block && b == blocks - 1) ||
                             (c.gal == GalPlacement::last_two_blocks && b >= blocks - 2));
  }
  for (std::int64_t b = 0; b < blocks; ++b) {
    auto& width = plan.width[at(b)];
    auto& stack = plan.stack[at(b)];
    // x_{b,0}: the stem's map at the finest scale of block 0; the transition of the
    // previous block's stack (Eq. 3) for every scale block b keeps.
    for (std::int64_t s = b; s < scales; ++s) {
      if (b == 0) {
        width[0][at(s)] = s == 0 ? c.first_channels : 0;
      } else {
        const auto previous = plan.stack[at(b - 1)][at(layers)][at(s)];
        width[0][at(s)] = static_cast<std::int64_t>(c.reduction * static_cast<double>(previous));
        CHASE_CHECK(width[0][at(s)] > 0,
                    "CHASE config: the transition after block {} leaves scale {} with 0 channels "
                    "({} x {})",
                    b, s + 1, c.reduction, previous);
      }
      stack[0][at(s)] = width[0][at(s)];
    }
    // Eq. 4, finest scale first: f reads the finer scale's stack including this
    // layer's output there, h this scale's stack before this layer.
    for (std::int64_t l = 1; l <= layers; ++l) {
      for (std::int64_t s = b; s < scales; ++s) {
        const std::int64_t finer = s > b ? stack[at(l)][at(s - 1)] : 0;
        const std::int64_t same = stack[at(l - 1)][at(s)];
        const std::int64_t growth = c.growth * c.gr_factor[at(s)];
        width[at(l)][at(s)] = finer > 0 || same > 0 ? growth : 0;
        stack[at(l)][at(s)] = same + width[at(l)][at(s)];
      }
    }
    if (plan.gal_after[at(b)]) {
      const auto channels = stack[at(layers)][at(scales - 1)];
      CHASE_CHECK(channels % c.gal_heads == 0,
                  "CHASE config: the GAL after block {} has {} channels, not divisible by "
                  "gal_heads {}",
                  b + 1, channels, c.gal_heads);
    }
  }
  const std::int64_t total = blocks * layers;
  for (std::int64_t g = c.kappa;; g += c.kappa) {
    if (g >= total) g = total;  // the last exit reads the last layer
    ChaseExit exit{g, g / layers, g % layers, 0};
    if (g == total) exit = {g, blocks - 1, layers, 0};
    exit.channels = plan.stack[at(exit.block)][at(exit.layer)][at(scales - 1)];
    plan.exits.push_back(exit);
    if (g == total) break;
  }
  return plan;
}

ChaseExit paper_exit_placement(std::int64_t k, std::int64_t kappa, std::int64_t layers_per_block) {
  const std::int64_t before = (k - 1) * kappa;
  const std::int64_t block = (before + layers_per_block - 1) / layers_per_block;  // ceil
  return {k * kappa, block, (k * kappa) % layers_per_block, 0};
}

std::vector<std::int64_t> chase_scale_sides(const ChaseConfig& config, std::int64_t side) {
  std::int64_t first = side;
  for (std::int64_t stride = config.stem_stride; stride > 1; stride /= 2) first = halved(first);
  std::vector<std::int64_t> sides{first};
  for (std::int64_t s = 1; s < config.n_scales(); ++s) sides.push_back(halved(sides.back()));
  return sides;
}

std::string to_string(GalPlacement placement) {
  switch (placement) {
    case GalPlacement::none: return "none";
    case GalPlacement::last_block: return "last_block";
    case GalPlacement::last_two_blocks: return "last_two_blocks";
  }
  return "?";
}

std::string chase_plan_json(const ChasePlan& plan) {
  nlohmann::json exits = nlohmann::json::array();
  for (const auto& e : plan.exits) {
    exits.push_back({{"global_layer", e.global_layer},
                     {"block", e.block},
                     {"layer", e.layer},
                     {"channels", e.channels}});
  }
  nlohmann::json j = {{"width", plan.width},
                      {"stack", plan.stack},
                      {"first_scale", plan.first_scale},
                      {"gal_after", plan.gal_after},
                      {"exits", exits}};
  return j.dump();
}

std::string chase_config_json(const ChaseConfig& c) {
  nlohmann::json j = {{"in_channels", c.in_channels},
                      {"num_classes", c.num_classes},
                      {"stem_channels", c.stem_channels},
                      {"stem_stride", c.stem_stride},
                      {"first_channels", c.first_channels},
                      {"n_blocks", c.n_blocks},
                      {"layers_per_block", c.layers_per_block},
                      {"kappa", c.kappa},
                      {"growth", c.growth},
                      {"gr_factor", c.gr_factor},
                      {"bn_factor", c.bn_factor},
                      {"bottleneck", c.bottleneck},
                      {"reduction", c.reduction},
                      {"cam", c.cam},
                      {"cam_reduction", c.cam_reduction},
                      {"gal", to_string(c.gal)},
                      {"gal_heads", c.gal_heads},
                      {"gal_mlp_ratio", c.gal_mlp_ratio},
                      {"classifier_channels", c.classifier_channels}};
  return j.dump();
}

ChaseConfig parse_chase_config_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("CHASE config: not valid JSON: {}", e.what()));
  }
  CHASE_CHECK(j.is_object(), "CHASE config: expected a JSON object, got {}", j.dump());
  ChaseConfig c;
  const auto expected = nlohmann::json::parse(chase_config_json(c));
  for (const auto& [key, value] : j.items()) {
    CHASE_CHECK(expected.contains(key), "CHASE config: unknown key '{}'", key);
  }
  auto get = [&]<class T>(const char* key, T& field) {
    CHASE_CHECK(j.contains(key), "CHASE config: missing key '{}'", key);
    try {
      field = j.at(key).get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("CHASE config: bad value for '{}': {}", key, e.what()));
    }
  };
  get("in_channels", c.in_channels);
  get("num_classes", c.num_classes);
  get("stem_channels", c.stem_channels);
  get("stem_stride", c.stem_stride);
  get("first_channels", c.first_channels);
  get("n_blocks", c.n_blocks);
  get("layers_per_block", c.layers_per_block);
  get("kappa", c.kappa);
  get("growth", c.growth);
  get("gr_factor", c.gr_factor);
  get("bn_factor", c.bn_factor);
  get("bottleneck", c.bottleneck);
  get("reduction", c.reduction);
  get("cam", c.cam);
  get("cam_reduction", c.cam_reduction);
  std::string gal;
  get("gal", gal);
  if (gal == "none") {
    c.gal = GalPlacement::none;
  } else if (gal == "last_block") {
    c.gal = GalPlacement::last_block;
  } else {
    CHASE_CHECK(gal == "last_two_blocks",
                "CHASE config: 'gal' must be none, last_block or last_two_blocks, got '{}'", gal);
    c.gal = GalPlacement::last_two_blocks;
  }
  get("gal_heads", c.gal_heads);
  get("gal_mlp_ratio", c.gal_mlp_ratio);
  get("classifier_channels", c.classifier_channels);
  validate(c);
  return c;
}

}  // namespace chase

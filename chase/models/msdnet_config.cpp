#include "chase/models/msdnet_config.h"

#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "tensor/error.h"

namespace chase {

void validate(const MsdnetConfig& c) {
  CHASE_CHECK(c.in_channels > 0, "MSDNet: in_channels must be positive, got {}", c.in_channels);
  CHASE_CHECK(c.num_classes > 0, "MSDNet: num_classes must be positive, got {}", c.num_classes);
  CHASE_CHECK(c.n_blocks > 0, "MSDNet: nBlocks must be positive, got {}", c.n_blocks);
  CHASE_CHECK(c.n_channels > 0, "MSDNet: nChannels must be positive, got {}", c.n_channels);
  CHASE_CHECK(c.base > 0, "MSDNet: base must be positive, got {}", c.base);
  CHASE_CHECK(c.step > 0, "MSDNet: step must be positive, got {}", c.step);
  CHASE_CHECK(c.growth_rate > 0, "MSDNet: growthRate must be positive, got {}", c.growth_rate);
  CHASE_CHECK(c.classifier_channels > 0, "MSDNet: classifier_channels must be positive, got {}",
              c.classifier_channels);
  CHASE_CHECK(!c.gr_factor.empty() && c.gr_factor.size() == c.bn_factor.size(),
              "MSDNet: grFactor ({}) and bnFactor ({}) must have one entry per scale",
              fmt::join(c.gr_factor, "-"), fmt::join(c.bn_factor, "-"));
  for (std::size_t s = 0; s < c.gr_factor.size(); ++s) {
    CHASE_CHECK(c.gr_factor[s] > 0 && c.bn_factor[s] > 0,
                "MSDNet: grFactor and bnFactor entries must be positive, got {} and {}",
                fmt::join(c.gr_factor, "-"), fmt::join(c.bn_factor, "-"));
    // Scales after the first get their new channels from two halves (ConvDownNormal:
    // nOut // 2 each); an odd count would lose a channel and break the next layer's width.
    CHASE_CHECK(s == 0 || c.growth_rate * c.gr_factor[s] % 2 == 0,
                "MSDNet: growthRate * grFactor[{}] = {} must be even (split between the "
                "strided and the same-scale convolution)",
                s, c.growth_rate * c.gr_factor[s]);
  }
  CHASE_CHECK(c.reduction >= 0.0 && c.reduction <= 1.0,
              "MSDNet: reduction must be in [0, 1], got {}", c.reduction);
}

std::int64_t MsdnetPlan::total_layers() const {
  std::int64_t total = 0;
  for (auto s : steps) total += s;
  return total;
}

MsdnetPlan plan_msdnet(const MsdnetConfig& c) {
  validate(c);
  MsdnetPlan plan;
  plan.steps.push_back(c.base);
  for (std::int64_t i = 1; i < c.n_blocks; ++i) {
    plan.steps.push_back(c.step_mode == MsdnetStepMode::even ? c.step : c.step * i + 1);
  }
  const std::int64_t all = plan.total_layers();
  const std::int64_t scales = c.n_scales();
  // floor(reduction * n) as the official math.floor(1.0 * reduction * nIn).
  auto reduce = [&](std::int64_t n) {
    return static_cast<std::int64_t>(std::floor(c.reduction * static_cast<double>(n)));
  };
  std::int64_t width = c.n_channels;
  std::int64_t current = 0;  // layers built so far, over all blocks (n_layer_curr)
  for (std::int64_t b = 0; b < c.n_blocks; ++b) {
    std::vector<MsdnetLayerPlan> layers;
    for (std::int64_t i = 0; i < plan.steps[static_cast<std::size_t>(b)]; ++i) {
      ++current;
      MsdnetLayerPlan layer{};
      bool transition = false;
      if (c.prune == MsdnetPrune::max) {
        const std::int64_t interval = (all + scales - 1) / scales;  // ceil(all / scales)
        layer.in_scales = scales - std::max<std::int64_t>(0, current - 2) / interval;
        layer.out_scales = scales - (current - 1) / interval;
        transition = layer.in_scales > layer.out_scales && c.reduction > 0.0;
      } else {
        layer.in_scales = std::min(scales, all - current + 2);
        layer.out_scales = std::min(scales, all - current + 1);
        // floor(all / 3) and floor(2 * all / 3): integer division of non-negatives.
        transition = c.reduction > 0.0 && (current == all / 3 || current == 2 * all / 3);
      }
      layer.width = width;
      width += c.growth_rate;
      layer.transition_width = transition ? reduce(width) : 0;
      if (transition) width = layer.transition_width;
      CHASE_CHECK(width > 0, "MSDNet: the transition after layer {} leaves no channels", current);
      layers.push_back(layer);
    }
    plan.blocks.push_back(std::move(layers));
    plan.block_out_width.push_back(width);
  }
  return plan;
}

std::vector<std::int64_t> msdnet_scale_sizes(const MsdnetConfig& c, std::int64_t side) {
  // Every strided layer here is 3x3 stride 2 padding 1 (or 7x7/2 pad 3, 3x3/2 pad 1
  // max-pool): floor((n - 1) / 2) + 1 = ceil(n / 2).
  auto half = [](std::int64_t n) { return (n + 1) / 2; };
  std::vector<std::int64_t> sizes;
  std::int64_t n = c.stem == MsdnetStem::cifar ? side : half(half(side));
  for (std::int64_t s = 0; s < c.n_scales(); ++s) {
    if (s > 0) n = half(n);
    sizes.push_back(n);
  }
  return sizes;
}

void check_msdnet_input(const MsdnetConfig& c, std::int64_t height, std::int64_t width) {
  for (auto side : {height, width}) {
    auto sizes = msdnet_scale_sizes(c, side);
    auto coarsest = sizes.back();
    // The heads: two stride-2 convolutions then AvgPool2d(2), then a Linear over the
    // channels only, so the pooled map must be 1x1: ceil(ceil(n / 2) / 2) in {2, 3}.
    CHASE_CHECK(side > 0 && coarsest >= 5 && coarsest <= 12,
                "MSDNet ({} first layer, {} scales): a {}x{} input gives scales {} wide; the "
                "classifier heads need the coarsest scale 5 to 12 wide (for example 28 or 32 "
                "with the cifar first layer, 224 with the imagenet one)",
                to_string(c.stem), c.n_scales(), height, width, fmt::join(sizes, ", "));
  }
}

std::string msdnet_config_json(const MsdnetConfig& c) {
  nlohmann::json j = {{"in_channels", c.in_channels},
                      {"num_classes", c.num_classes},
                      {"stem", to_string(c.stem)},
                      {"n_blocks", c.n_blocks},
                      {"n_channels", c.n_channels},
                      {"base", c.base},
                      {"step_mode", to_string(c.step_mode)},
                      {"step", c.step},
                      {"growth_rate", c.growth_rate},
                      {"gr_factor", c.gr_factor},
                      {"bn_factor", c.bn_factor},
                      {"prune", to_string(c.prune)},
                      {"reduction", c.reduction},
                      {"bottleneck", c.bottleneck},
                      {"classifier_channels", c.classifier_channels}};
  return j.dump();
}

MsdnetConfig parse_msdnet_config_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("MSDNet config: not valid JSON: {}", e.what()));
  }
  CHASE_CHECK(j.is_object(), "MSDNet config: expected a JSON object, got {}", j.dump());
  MsdnetConfig c;
  const auto expected = nlohmann::json::parse(msdnet_config_json(c));
  for (const auto& [key, value] : j.items()) {
    CHASE_CHECK(expected.contains(key), "MSDNet config: unknown key '{}'", key);
  }
  auto get = [&]<class T>(const char* key, T& field) {
    CHASE_CHECK(j.contains(key), "MSDNet config: missing key '{}'", key);
    try {
      field = j.at(key).get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("MSDNet config: bad value for '{}': {}", key, e.what()));
    }
  };
  auto choice = [&](const char* key, const char* a, const char* b) {
    std::string text_value;
    get(key, text_value);
    CHASE_CHECK(text_value == a || text_value == b, "MSDNet config: '{}' must be {} or {}, got '{}'",
                key, a, b, text_value);
    return text_value == a;
  };
  get("in_channels", c.in_channels);
  get("num_classes", c.num_classes);
  c.stem = choice("stem", "cifar", "imagenet") ? MsdnetStem::cifar : MsdnetStem::imagenet;
  get("n_blocks", c.n_blocks);
  get("n_channels", c.n_channels);
  get("base", c.base);
  c.step_mode = choice("step_mode", "even", "lin_grow") ? MsdnetStepMode::even
                                                         : MsdnetStepMode::lin_grow;
  get("step", c.step);
  get("growth_rate", c.growth_rate);
  get("gr_factor", c.gr_factor);
  get("bn_factor", c.bn_factor);
  c.prune = choice("prune", "max", "min") ? MsdnetPrune::max : MsdnetPrune::min;
  get("reduction", c.reduction);
  get("bottleneck", c.bottleneck);
  get("classifier_channels", c.classifier_channels);
  validate(c);
  return c;
}

std::string to_string(MsdnetStem stem) { return stem == MsdnetStem::cifar ? "cifar" : "imagenet"; }
std::string to_string(MsdnetStepMode mode) {
  return mode == MsdnetStepMode::even ? "even" : "lin_grow";
}
std::string to_string(MsdnetPrune prune) { return prune == MsdnetPrune::max ? "max" : "min"; }

}  // namespace chase

#include "data/random_erasing.h"

#include <cmath>

#include "tensor/error.h"
#include "tensor/random.h"

namespace chase::data {

RandomErasing::RandomErasing(RandomErasingOptions options) : options_(options) {
  const auto& o = options_;
  CHASE_CHECK(o.probability >= 0.0 && o.probability <= 1.0,
              "RandomErasing: probability must be in [0, 1], got {}", o.probability);
  CHASE_CHECK(o.min_area >= 0.0 && o.min_area <= o.max_area && o.max_area <= 1.0,
              "RandomErasing: the area fractions must satisfy 0 <= min <= max <= 1, got [{}, {}]",
              o.min_area, o.max_area);
  CHASE_CHECK(o.min_aspect > 0.0 && o.min_aspect <= o.max_aspect && std::isfinite(o.max_aspect),
              "RandomErasing: the aspect ratios must satisfy 0 < min <= max, got [{}, {}]",
              o.min_aspect, o.max_aspect);
  CHASE_CHECK(std::isfinite(o.value), "RandomErasing: value must be finite, got {}", o.value);
}

void RandomErasing::apply(ImageView image, const SampleRandom& random) const {
  if (random.uniform(0) >= options_.probability) return;
  const auto [channels, height, width] = image.shape;
  const double area = static_cast<double>(height * width);
  const double log_min_aspect = std::log(options_.min_aspect);
  const double log_max_aspect = std::log(options_.max_aspect);
  // The sample's four words hold only one draw per number; the tries take
  // theirs from a Philox stream keyed by two of them, so they stay a function
  // of (seed, position, epoch, sample) like every other augmentation.
  const std::uint64_t tries_key = (std::uint64_t{random.word(1)} << 32) | random.word(2);
  auto unit = [](std::uint32_t word) { return word * 0x1.0p-32; };
  for (int attempt = 0; attempt < kMaxTries; ++attempt) {
    const auto draw = philox4x32(static_cast<std::uint64_t>(attempt), tries_key);
    const double erase_area =
        area * (options_.min_area + (options_.max_area - options_.min_area) * unit(draw.word[0]));
    const double aspect =
        std::exp(log_min_aspect + (log_max_aspect - log_min_aspect) * unit(draw.word[1]));
    // torchvision rounds to the nearest integer (Python's round, half to even).
    const auto h = static_cast<std::int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
    const auto w = static_cast<std::int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
    if (!(h < height && w < width)) continue;
    const auto top = static_cast<std::int64_t>(
        (std::uint64_t{draw.word[2]} * static_cast<std::uint64_t>(height - h + 1)) >> 32);
    const auto left = static_cast<std::int64_t>(
        (std::uint64_t{draw.word[3]} * static_cast<std::uint64_t>(width - w + 1)) >> 32);
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t y = top; y < top + h; ++y) {
        for (std::int64_t x = left; x < left + w; ++x) image.at(c, y, x) = options_.value;
      }
    }
    return;
  }
}

}  // namespace chase::data

// Small data sets for the trainer's tests: the first images of a real data
// set, and synthetic images that a few steps learn.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "data/dataset.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace chase::test {

inline std::shared_ptr<const data::Dataset> first_images(std::shared_ptr<const data::Dataset> base,
                                                         std::int64_t count) {
  std::vector<std::int64_t> indices(static_cast<std::size_t>(count));
  std::iota(indices.begin(), indices.end(), 0);
  auto name = fmt::format("{}[:{}]", base->name(), count);
  return std::make_shared<data::SubsetDataset>(std::move(base), std::move(indices), name);
}

// Class k is a bright band at rows 2k .. 2k + 3 (k mod 12) of a noisy 28x28
// image: easy to learn, so a few steps lower the loss. `poison` puts a NaN in
// every image.
inline std::shared_ptr<const data::Dataset> band_images(std::int64_t count, std::uint64_t seed,
                                                        std::int64_t classes = 10,
                                                        bool poison = false) {
  const data::ImageShape shape{1, 28, 28};
  Generator gen(seed);
  auto noise = uniform({count, shape.numel()}, 0.0, 0.3, gen).to_vector();
  std::vector<float> pixels(noise.begin(), noise.end());
  std::vector<std::int64_t> labels(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    auto label = i % classes;
    labels[static_cast<std::size_t>(i)] = label;
    float* image = pixels.data() + i * shape.numel();
    for (auto y = 2 * (label % 12); y < 2 * (label % 12) + 4; ++y) {
      for (std::int64_t x = 0; x < shape.width; ++x) image[y * shape.width + x] += 0.7f;
    }
    if (poison) image[0] = NAN;
  }
  return std::make_shared<data::ImageDataset>("bands", shape, std::move(pixels),
                                              std::move(labels), classes);
}

}  // namespace chase::test

// Transforms on tiny images whose pixel values encode their position, so the
// effect of a crop or flip can be read back from the output.
#include <algorithm>
#include <set>
#include <vector>

#include "data/transforms.h"
#include "tests/data/data_test_util.h"

using namespace chase;
namespace fs = std::filesystem;
using namespace chase::data;

namespace {

constexpr ImageShape kTiny{2, 3, 4};

// Pixel (c, y, x) holds 100 c + 10 y + x + 1: never zero, so padding shows.
std::vector<float> position_image(ImageShape shape = kTiny) {
  std::vector<float> pixels;
  for (int c = 0; c < shape.channels; ++c)
    for (int y = 0; y < shape.height; ++y)
      for (int x = 0; x < shape.width; ++x) pixels.push_back(100.0f * c + 10.0f * y + x + 1);
  return pixels;
}

std::vector<float> transformed(const TransformPipeline& pipeline, std::uint64_t seed,
                               std::uint64_t epoch, std::int64_t sample) {
  auto pixels = position_image();
  pipeline.apply({pixels, kTiny}, seed, epoch, sample);
  return pixels;
}

// The shift (dy, dx) with out(y, x) = in(y + dy, x + dx), zero outside, that
// explains `out`; fails the test when none does.
std::pair<int, int> crop_shift(const std::vector<float>& out, int padding) {
  auto in = position_image();
  std::vector<std::pair<int, int>> explanations;
  for (int dy = -padding; dy <= padding; ++dy) {
    for (int dx = -padding; dx <= padding; ++dx) {
      bool all = true;
      for (int c = 0; c < kTiny.channels; ++c) {
        for (int y = 0; y < kTiny.height; ++y) {
          for (int x = 0; x < kTiny.width; ++x) {
            int sy = y + dy, sx = x + dx;
            bool inside = sy >= 0 && sy < kTiny.height && sx >= 0 && sx < kTiny.width;
            float expected = inside ? in[(c * kTiny.height + sy) * kTiny.width + sx] : 0.0f;
            all = all && out[(c * kTiny.height + y) * kTiny.width + x] == expected;
          }
        }
      }
      if (all) explanations.emplace_back(dy, dx);
    }
  }
  REQUIRE(explanations.size() == 1);
  return explanations[0];
}

}  // namespace

TEST_CASE("random crop pads with zeros and shifts by every offset in [-padding, padding]") {
  constexpr int kPadding = 2;
  TransformPipeline crop{std::make_shared<RandomCrop>(kPadding)};
  std::set<std::pair<int, int>> seen;
  for (int sample = 0; sample < 400; ++sample)
    seen.insert(crop_shift(transformed(crop, 7, 0, sample), kPadding));
  CHECK(seen.size() == (2 * kPadding + 1) * (2 * kPadding + 1));

  TransformPipeline no_padding{std::make_shared<RandomCrop>(0)};
  CHECK(transformed(no_padding, 7, 0, 3) == position_image());
  CHECK_THROWS_WITH_AS(RandomCrop(-1), "RandomCrop: padding must be non-negative, got -1", Error);
}

TEST_CASE("horizontal flip mirrors every row of every channel") {
  TransformPipeline always{std::make_shared<RandomHorizontalFlip>(1.0)};
  auto out = transformed(always, 1, 0, 0);
  auto in = position_image();
  for (int row = 0; row < kTiny.channels * kTiny.height; ++row) {
    for (int x = 0; x < kTiny.width; ++x) {
      CHECK(out[row * kTiny.width + x] == in[row * kTiny.width + (kTiny.width - 1 - x)]);
    }
  }
  TransformPipeline never{std::make_shared<RandomHorizontalFlip>(0.0)};
  CHECK(transformed(never, 1, 0, 0) == in);

  TransformPipeline half{std::make_shared<RandomHorizontalFlip>()};
  int flipped = 0;
  for (int sample = 0; sample < 1000; ++sample) flipped += transformed(half, 3, 0, sample) != in;
  // Binomial(1000, 0.5): 6 standard deviations is +-95.
  CHECK(flipped > 405);
  CHECK(flipped < 595);
  CHECK_THROWS_AS(RandomHorizontalFlip(1.5), Error);
}

TEST_CASE("normalize uses one mean and stddev per channel") {
  TransformPipeline normalize{std::make_shared<Normalize>(std::vector<float>{1.0f, 101.0f},
                                                          std::vector<float>{2.0f, 0.5f})};
  auto out = transformed(normalize, 0, 0, 0);
  auto in = position_image();
  auto plane = static_cast<std::size_t>(kTiny.height * kTiny.width);
  for (std::size_t i = 0; i < plane; ++i) {
    CHECK(out[i] == (in[i] - 1.0f) / 2.0f);
    CHECK(out[plane + i] == (in[plane + i] - 101.0f) / 0.5f);
  }
  TransformPipeline three_channels{
      std::make_shared<Normalize>(std::vector<float>{0, 0, 0}, std::vector<float>{1, 1, 1})};
  CHECK_THROWS_WITH_AS(transformed(three_channels, 0, 0, 0),
                       "Normalize: 3 channel means for an image of 2 channels", Error);
  CHECK_THROWS_WITH_AS(Normalize({0.5f}, {0.0f}), "Normalize: stddevs must be positive, got [0]",
                       Error);
  CHECK_THROWS_AS(Normalize({0.5f, 0.5f}, {1.0f}), Error);
}

TEST_CASE("augmentation is a function of (seed, epoch, sample) only") {
  TransformPipeline augment{std::make_shared<RandomCrop>(1),
                            std::make_shared<RandomHorizontalFlip>()};
  auto outputs_for = [&](std::uint64_t seed, std::uint64_t epoch) {
    std::vector<std::vector<float>> outputs;
    for (int sample = 0; sample < 64; ++sample)
      outputs.push_back(transformed(augment, seed, epoch, sample));
    return outputs;
  };
  auto reference = outputs_for(5, 0);
  CHECK(outputs_for(5, 0) == reference);
  // Samples in reverse order: no state carried from one call to the next.
  for (int sample = 63; sample >= 0; --sample) {
    CHECK(transformed(augment, 5, 0, sample) == reference[static_cast<std::size_t>(sample)]);
  }
  CHECK(outputs_for(5, 1) != reference);
  CHECK(outputs_for(6, 0) != reference);
}

TEST_CASE("each transform of a pipeline draws its own random numbers") {
  // Were crop and flip to share a stream, the flip decision would be a
  // function of the crop offset; over many samples both vary independently.
  TransformPipeline augment{std::make_shared<RandomCrop>(1),
                            std::make_shared<RandomHorizontalFlip>()};
  TransformPipeline crop_only{std::make_shared<RandomCrop>(1)};
  std::set<std::pair<std::pair<int, int>, bool>> combinations;
  for (int sample = 0; sample < 500; ++sample) {
    auto cropped = transformed(crop_only, 9, 0, sample);
    auto both = transformed(augment, 9, 0, sample);
    auto shift = crop_shift(cropped, 1);
    combinations.insert({shift, both != cropped});
  }
  CHECK(combinations.size() == 9 * 2);
}

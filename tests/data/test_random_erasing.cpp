// Random erasing on images whose pixels are all distinct and non-zero, so the
// erased rectangle can be read back from the output.
#include <algorithm>
#include <cmath>
#include <vector>

#include "data/random_erasing.h"
#include "tests/data/data_test_util.h"

using namespace chase;
using namespace chase::data;

namespace {

constexpr ImageShape kImage{3, 28, 28};
constexpr float kErased = -7.5f;

std::vector<float> position_image(ImageShape shape = kImage) {
  std::vector<float> pixels;
  for (int c = 0; c < shape.channels; ++c)
    for (int y = 0; y < shape.height; ++y)
      for (int x = 0; x < shape.width; ++x) pixels.push_back(1000.0f * c + 32.0f * y + x + 1);
  return pixels;
}

std::vector<float> transformed(const TransformPipeline& pipeline, std::uint64_t seed,
                               std::uint64_t epoch, std::int64_t sample,
                               ImageShape shape = kImage) {
  auto pixels = position_image(shape);
  pipeline.apply({pixels, shape}, seed, epoch, sample);
  return pixels;
}

TransformPipeline erasing(double probability, float value = kErased) {
  return TransformPipeline{std::make_shared<RandomErasing>(
      RandomErasingOptions{.probability = probability, .value = value})};
}

struct Rectangle {
  int top = 0, left = 0, height = 0, width = 0;
  bool operator==(const Rectangle&) const = default;
};

// The rectangle, the same in every channel, where `out` differs from the
// input, after checking that it holds exactly `value` and that every other
// pixel is untouched. An unchanged image gives an empty rectangle.
Rectangle erased_rectangle(const std::vector<float>& out, float value) {
  const auto in = position_image();
  const auto [channels, height, width] = kImage;
  int top = height, left = width, bottom = -1, right = -1;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (out[static_cast<std::size_t>(y * width + x)] !=
          in[static_cast<std::size_t>(y * width + x)]) {
        top = std::min(top, y), bottom = std::max(bottom, y);
        left = std::min(left, x), right = std::max(right, x);
      }
    }
  }
  Rectangle rect;
  if (bottom >= 0) rect = {top, left, bottom - top + 1, right - left + 1};
  for (int c = 0; c < channels; ++c) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        auto i = static_cast<std::size_t>((c * height + y) * width + x);
        bool inside = y >= rect.top && y < rect.top + rect.height && x >= rect.left &&
                      x < rect.left + rect.width;
        REQUIRE(out[i] == (inside ? value : in[i]));
      }
    }
  }
  return rect;
}

}  // namespace

TEST_CASE("random erasing with probability 0 changes nothing") {
  const auto never = erasing(0.0);
  for (int sample = 0; sample < 200; ++sample)
    CHECK(transformed(never, 3, 0, sample) == position_image());
}

TEST_CASE("random erasing with probability 1 erases one rectangle of the allowed area and aspect") {
  const auto always = erasing(1.0);
  const double area = static_cast<double>(kImage.height * kImage.width);
  double smallest = 1.0, largest = 0.0, flattest = 100.0, tallest = 0.0;
  for (int sample = 0; sample < 500; ++sample) {
    const auto rect = erased_rectangle(transformed(always, 4, 0, sample), kErased);
    REQUIRE(rect.height > 0);
    // torchvision keeps only rectangles strictly smaller than the image.
    CHECK(rect.height < kImage.height);
    CHECK(rect.width < kImage.width);
    const double h = rect.height, w = rect.width;
    // h = round(sqrt(A r)) and w = round(sqrt(A / r)) for a drawn area A and
    // aspect r: the (A, r) that round to this (h, w) must meet the ranges.
    const double area_low = (h - 0.5) * (w - 0.5) / area, area_high = (h + 0.5) * (w + 0.5) / area;
    CHECK(area_high >= 0.02);
    CHECK(area_low <= 0.33);
    CHECK((h + 0.5) / (w - 0.5) >= 0.3);
    CHECK((h - 0.5) / (w + 0.5) <= 3.3);
    smallest = std::min(smallest, h * w / area), largest = std::max(largest, h * w / area);
    flattest = std::min(flattest, h / w), tallest = std::max(tallest, h / w);
  }
  // The draws span the ranges, not one corner of them.
  CHECK(smallest < 0.04);
  CHECK(largest > 0.28);
  CHECK(flattest < 0.45);
  CHECK(tallest > 2.2);
}

TEST_CASE("random erasing erases a fraction p of the images") {
  const auto quarter = erasing(0.25);
  int erased = 0;
  for (int sample = 0; sample < 1000; ++sample) {
    erased += erased_rectangle(transformed(quarter, 5, 2, sample), kErased).height > 0;
  }
  // Binomial(1000, 0.25): 6 standard deviations is +-82.
  CHECK(erased > 168);
  CHECK(erased < 332);
}

TEST_CASE("random erasing is a function of (seed, position, epoch, sample)") {
  const auto always = erasing(1.0);
  auto rectangles = [&](std::uint64_t seed, std::uint64_t epoch) {
    std::vector<Rectangle> out;
    for (int sample = 0; sample < 32; ++sample) {
      out.push_back(erased_rectangle(transformed(always, seed, epoch, sample), kErased));
    }
    return out;
  };
  const auto reference = rectangles(6, 0);
  CHECK(rectangles(6, 0) == reference);
  for (int sample = 31; sample >= 0; --sample) {
    CHECK(erased_rectangle(transformed(always, 6, 0, sample), kErased) ==
          reference[static_cast<std::size_t>(sample)]);
  }
  CHECK(rectangles(6, 1) != reference);
  CHECK(rectangles(7, 0) != reference);
  int distinct = 0;
  for (std::size_t i = 1; i < reference.size(); ++i) distinct += reference[i] != reference[0];
  CHECK(distinct > 25);
}

TEST_CASE("random erasing after Normalize fills with the mean by default") {
  const auto normalize = std::make_shared<Normalize>(std::vector<float>{100.0f, 1100.0f, 2100.0f},
                                                     std::vector<float>{10.0f, 20.0f, 40.0f});
  const auto normalized = transformed(TransformPipeline{normalize}, 8, 0, 0);
  const auto out = transformed(
      TransformPipeline{normalize,
                        std::make_shared<RandomErasing>(RandomErasingOptions{.probability = 1.0})},
      8, 0, 0);
  int erased = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK((out[i] == normalized[i] || out[i] == 0.0f));
    erased += out[i] != normalized[i];
  }
  // In each of the 3 channels at least the smallest rectangle: 2 x 6 pixels, from 2% of
  // 28 x 28 = 15.68 pixels at an aspect that rounds both sides down.
  CHECK(erased >= 3 * 12);
}

TEST_CASE("random erasing leaves an image unchanged when no rectangle fits") {
  // One row: any drawn area of at least 2 pixels rounds to a height of 1 or more.
  constexpr ImageShape kRow{1, 1, 100};
  const auto always = erasing(1.0);
  for (int sample = 0; sample < 50; ++sample) {
    CHECK(transformed(always, 1, 0, sample, kRow) == position_image(kRow));
  }
}

TEST_CASE("random erasing refuses bad arguments, naming them") {
  CHECK_THROWS_WITH_AS(RandomErasing({.probability = 1.5}),
                       "RandomErasing: probability must be in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(RandomErasing({.probability = -0.1}),
                       "RandomErasing: probability must be in [0, 1], got -0.1", Error);
  CHECK_THROWS_WITH_AS(
      RandomErasing({.min_area = 0.4, .max_area = 0.2}),
      "RandomErasing: the area fractions must satisfy 0 <= min <= max <= 1, got [0.4, 0.2]", Error);
  CHECK_THROWS_WITH_AS(
      RandomErasing({.max_area = 1.5}),
      "RandomErasing: the area fractions must satisfy 0 <= min <= max <= 1, got [0.02, 1.5]",
      Error);
  CHECK_THROWS_WITH_AS(RandomErasing({.min_aspect = 0.0}),
                       "RandomErasing: the aspect ratios must satisfy 0 < min <= max, got [0, 3.3]",
                       Error);
  CHECK_THROWS_WITH_AS(RandomErasing({.min_aspect = 2.0, .max_aspect = 1.0}),
                       "RandomErasing: the aspect ratios must satisfy 0 < min <= max, got [2, 1]",
                       Error);
  CHECK_THROWS_WITH_AS(RandomErasing({.value = NAN}),
                       "RandomErasing: value must be finite, got nan", Error);
}

#include "data/transforms.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace chase::data {

RandomCrop::RandomCrop(std::int64_t padding) : padding_(padding) {
  CHASE_CHECK(padding >= 0, "RandomCrop: padding must be non-negative, got {}", padding);
}

void RandomCrop::apply(ImageView image, const SampleRandom& random) const {
  auto shift_y = random.below(0, 2 * padding_ + 1) - padding_;
  auto shift_x = random.below(1, 2 * padding_ + 1) - padding_;
  std::vector<float> source(image.pixels.begin(), image.pixels.end());
  ImageView in{source, image.shape};
  const auto [channels, height, width] = image.shape;
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t y = 0; y < height; ++y) {
      for (std::int64_t x = 0; x < width; ++x) {
        auto sy = y + shift_y, sx = x + shift_x;
        bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        image.at(c, y, x) = inside ? in.at(c, sy, sx) : 0.0f;
      }
    }
  }
}

RandomHorizontalFlip::RandomHorizontalFlip(double probability) : probability_(probability) {
  CHASE_CHECK(probability >= 0.0 && probability <= 1.0,
              "RandomHorizontalFlip: probability must be in [0, 1], got {}", probability);
}

void RandomHorizontalFlip::apply(ImageView image, const SampleRandom& random) const {
  if (random.uniform(0) >= probability_) return;
  for (std::int64_t row = 0; row < image.shape.channels * image.shape.height; ++row) {
    auto begin = image.pixels.begin() + row * image.shape.width;
    std::reverse(begin, begin + image.shape.width);
  }
}

Normalize::Normalize(std::vector<float> mean, std::vector<float> stddev)
    : mean_(std::move(mean)), stddev_(std::move(stddev)) {
  CHASE_CHECK(!mean_.empty() && mean_.size() == stddev_.size(),
              "Normalize: expected one mean and one stddev per channel, got {} means and {} "
              "stddevs",
              mean_.size(), stddev_.size());
  for (float s : stddev_) {
    CHASE_CHECK(std::isfinite(s) && s > 0.0f, "Normalize: stddevs must be positive, got {}",
                stddev_);
  }
}

void Normalize::apply(ImageView image, const SampleRandom&) const {
  CHASE_CHECK(std::ssize(mean_) == image.shape.channels,
              "Normalize: {} channel means for an image of {} channels", mean_.size(),
              image.shape.channels);
  auto plane = static_cast<std::size_t>(image.shape.height * image.shape.width);
  for (std::size_t c = 0; c < mean_.size(); ++c) {
    float scale = 1.0f / stddev_[c];
    for (float& v : image.pixels.subspan(c * plane, plane)) v = (v - mean_[c]) * scale;
  }
}

TransformPipeline::TransformPipeline(
    std::initializer_list<std::shared_ptr<const Transform>> transforms) {
  for (const auto& t : transforms) add(t);
}

TransformPipeline& TransformPipeline::add(std::shared_ptr<const Transform> transform) {
  CHASE_CHECK(transform != nullptr, "TransformPipeline::add: null transform");
  transforms_.push_back(std::move(transform));
  return *this;
}

void TransformPipeline::apply(ImageView image, std::uint64_t seed, std::uint64_t epoch,
                              std::int64_t sample) const {
  CHASE_CHECK(std::ssize(image.pixels) == image.shape.numel(),
              "TransformPipeline::apply: {} pixels for an image of [{}, {}, {}]",
              image.pixels.size(), image.shape.channels, image.shape.height, image.shape.width);
  for (std::size_t position = 0; position < transforms_.size(); ++position) {
    SampleRandom random(data_stream_key(seed, DataStream::augment, position), epoch, sample);
    transforms_[position]->apply(image, random);
  }
}

}  // namespace chase::data

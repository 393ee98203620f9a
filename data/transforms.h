// Training-time image transforms, applied in place to one f32 CHW image.
// Randomness comes from SampleRandom: a transform at position p of a pipeline
// draws from the key (seed, p) at counter (epoch, dataset index), so a sample
// is augmented the same way whichever worker thread handles it.
// The order used for CIFAR (pad 4 + crop, flip, normalise) matches torchvision's
// RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(...).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "data/dataset.h"
#include "data/sample_random.h"

namespace chase::data {

struct ImageView {
  std::span<float> pixels;  // shape.numel() values, channels-first
  ImageShape shape;

  float& at(std::int64_t c, std::int64_t y, std::int64_t x) const {
    return pixels[static_cast<std::size_t>((c * shape.height + y) * shape.width + x)];
  }
};

class Transform {
 public:
  virtual ~Transform() = default;
  // Must be safe to call from several threads at once.
  virtual void apply(ImageView image, const SampleRandom& random) const = 0;
};

// Zero-pads each side by `padding`, then crops the original size at a uniform
// offset: out(y, x) = in(y + dy - padding, x + dx - padding), 0 outside, with
// dy, dx uniform in [0, 2 * padding].
class RandomCrop final : public Transform {
 public:
  explicit RandomCrop(std::int64_t padding);
  void apply(ImageView image, const SampleRandom& random) const override;

 private:
  std::int64_t padding_;
};

// Mirrors the image left-right with the given probability.
class RandomHorizontalFlip final : public Transform {
 public:
  explicit RandomHorizontalFlip(double probability = 0.5);
  void apply(ImageView image, const SampleRandom& random) const override;

 private:
  double probability_;
};

// out = (in - mean[c]) / stddev[c], one mean and stddev per channel.
class Normalize final : public Transform {
 public:
  Normalize(std::vector<float> mean, std::vector<float> stddev);
  void apply(ImageView image, const SampleRandom& random) const override;

 private:
  std::vector<float> mean_, stddev_;
};

// Transforms applied in order. Copies share the (immutable) transforms.
class TransformPipeline {
 public:
  TransformPipeline() = default;
  TransformPipeline(std::initializer_list<std::shared_ptr<const Transform>> transforms);

  TransformPipeline& add(std::shared_ptr<const Transform> transform);
  bool empty() const { return transforms_.empty(); }
  // Augments sample `sample` (its index in the dataset) for epoch `epoch`.
  void apply(ImageView image, std::uint64_t seed, std::uint64_t epoch, std::int64_t sample) const;

 private:
  std::vector<std::shared_ptr<const Transform>> transforms_;
};

}  // namespace chase::data

// Datasets of labelled images. A Dataset hands out one image at a time as f32
// CHW in [0, 1] with its i64 class label; readers (idx.h, cifar.h) build an
// ImageDataset that keeps the whole set in memory, and SubsetDataset selects
// indices of another dataset (a validation split). Reads are const and
// thread-safe, so DataLoader workers share one dataset.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace chase::data {

// Which half of a dataset's official split to read.
enum class Split { train, test };

struct ImageShape {
  std::int64_t channels = 0, height = 0, width = 0;

  std::int64_t numel() const { return channels * height * width; }
  bool operator==(const ImageShape&) const = default;
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual const std::string& name() const = 0;
  virtual std::int64_t size() const = 0;
  virtual ImageShape image_shape() const = 0;
  virtual std::int64_t num_classes() const = 0;

  virtual std::int64_t label(std::int64_t index) const = 0;
  // Writes image `index` as f32 in [0, 1], channels-first, into `out`
  // (exactly image_shape().numel() values).
  virtual void read_image(std::int64_t index, std::span<float> out) const = 0;
};

// All images in one buffer [N, C, H, W] of bytes (scaled by 1/255 on reading)
// or of f32 (already in [0, 1]), with one label per image. The constructor
// checks sizes and label ranges.
class ImageDataset final : public Dataset {
 public:
  using Pixels = std::variant<std::vector<std::uint8_t>, std::vector<float>>;

  ImageDataset(std::string name, ImageShape shape, Pixels pixels, std::vector<std::int64_t> labels,
               std::int64_t num_classes);

  const std::string& name() const override { return name_; }
  std::int64_t size() const override { return std::ssize(labels_); }
  ImageShape image_shape() const override { return shape_; }
  std::int64_t num_classes() const override { return num_classes_; }
  std::int64_t label(std::int64_t index) const override;
  void read_image(std::int64_t index, std::span<float> out) const override;

  const std::vector<std::int64_t>& labels() const { return labels_; }

 private:
  std::string name_;
  ImageShape shape_;
  Pixels pixels_;
  std::vector<std::int64_t> labels_;
  std::int64_t num_classes_;
};

// The samples `indices` of `base`, in that order (index i here is base's indices[i]).
class SubsetDataset final : public Dataset {
 public:
  SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<std::int64_t> indices,
                std::string name);

  const std::string& name() const override { return name_; }
  std::int64_t size() const override { return std::ssize(indices_); }
  ImageShape image_shape() const override { return base_->image_shape(); }
  std::int64_t num_classes() const override { return base_->num_classes(); }
  std::int64_t label(std::int64_t index) const override;
  void read_image(std::int64_t index, std::span<float> out) const override;

  const std::vector<std::int64_t>& indices() const { return indices_; }

 private:
  std::int64_t base_index(std::int64_t index, const char* op) const;

  std::shared_ptr<const Dataset> base_;
  std::vector<std::int64_t> indices_;
  std::string name_;
};

// Per-channel mean and (population) standard deviation of all pixels of a
// dataset, as read by read_image: the arguments of Normalize for its training set.
struct ChannelStatistics {
  std::vector<float> mean, stddev;
};
ChannelStatistics channel_statistics(const Dataset& dataset);

}  // namespace chase::data

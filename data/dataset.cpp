#include "data/dataset.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace chase::data {
namespace {

void check_index(std::int64_t index, std::int64_t size, const std::string& name, const char* op) {
  CHASE_CHECK(index >= 0 && index < size, "{}: index {} out of range for {} ({} samples)", op,
              index, name, size);
}

}  // namespace

ImageDataset::ImageDataset(std::string name, ImageShape shape, Pixels pixels,
                           std::vector<std::int64_t> labels, std::int64_t num_classes)
    : name_(std::move(name)),
      shape_(shape),
      pixels_(std::move(pixels)),
      labels_(std::move(labels)),
      num_classes_(num_classes) {
  CHASE_CHECK(shape_.channels > 0 && shape_.height > 0 && shape_.width > 0,
              "ImageDataset {}: image shape must be positive, got [{}, {}, {}]", name_,
              shape_.channels, shape_.height, shape_.width);
  CHASE_CHECK(num_classes_ > 0, "ImageDataset {}: num_classes must be positive, got {}", name_,
              num_classes_);
  auto pixel_count = std::visit([](const auto& v) { return std::ssize(v); }, pixels_);
  auto expected = size() * shape_.numel();
  CHASE_CHECK(pixel_count == expected,
              "ImageDataset {}: {} labels of [{}, {}, {}] images need {} pixel values, got {}",
              name_, size(), shape_.channels, shape_.height, shape_.width, expected, pixel_count);
  auto bad = std::ranges::find_if(
      labels_, [&](std::int64_t label) { return label < 0 || label >= num_classes_; });
  CHASE_CHECK(bad == labels_.end(), "ImageDataset {}: label {} of sample {} is outside [0, {})",
              name_, *bad, bad - labels_.begin(), num_classes_);
}

std::int64_t ImageDataset::label(std::int64_t index) const {
  check_index(index, size(), name_, "ImageDataset::label");
  return labels_[static_cast<std::size_t>(index)];
}

void ImageDataset::read_image(std::int64_t index, std::span<float> out) const {
  check_index(index, size(), name_, "ImageDataset::read_image");
  auto count = shape_.numel();
  CHASE_CHECK(std::ssize(out) == count,
              "ImageDataset::read_image: {} needs an output of {} floats, got {}", name_, count,
              out.size());
  auto first = static_cast<std::size_t>(index * count);
  if (auto* bytes = std::get_if<std::vector<std::uint8_t>>(&pixels_)) {
    std::transform(bytes->begin() + first, bytes->begin() + first + out.size(), out.begin(),
                   // Divides as PyTorch's ToTensor does, so values match it bit for bit.
                   [](std::uint8_t b) { return static_cast<float>(b) / 255.0f; });
  } else {
    const auto& floats = std::get<std::vector<float>>(pixels_);
    std::copy_n(floats.begin() + first, out.size(), out.begin());
  }
}

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<std::int64_t> indices,
                             std::string name)
    : base_(std::move(base)), indices_(std::move(indices)), name_(std::move(name)) {
  CHASE_CHECK(base_ != nullptr, "SubsetDataset {}: no base dataset", name_);
  for (auto index : indices_) check_index(index, base_->size(), base_->name(), "SubsetDataset");
}

std::int64_t SubsetDataset::base_index(std::int64_t index, const char* op) const {
  check_index(index, size(), name_, op);
  return indices_[static_cast<std::size_t>(index)];
}

std::int64_t SubsetDataset::label(std::int64_t index) const {
  return base_->label(base_index(index, "SubsetDataset::label"));
}

void SubsetDataset::read_image(std::int64_t index, std::span<float> out) const {
  base_->read_image(base_index(index, "SubsetDataset::read_image"), out);
}

ChannelStatistics channel_statistics(const Dataset& dataset) {
  auto shape = dataset.image_shape();
  CHASE_CHECK(dataset.size() > 0, "channel_statistics: {} is empty", dataset.name());
  // Sums in double: 50000 x 1024 f32 values per channel would lose digits in float.
  std::vector<double> sum(static_cast<std::size_t>(shape.channels));
  std::vector<double> sum_of_squares(sum.size());
  std::vector<float> image(static_cast<std::size_t>(shape.numel()));
  auto plane = static_cast<std::size_t>(shape.height * shape.width);
  for (std::int64_t i = 0; i < dataset.size(); ++i) {
    dataset.read_image(i, image);
    for (std::size_t c = 0; c < sum.size(); ++c) {
      for (float v : std::span(image).subspan(c * plane, plane)) {
        sum[c] += v;
        sum_of_squares[c] += static_cast<double>(v) * v;
      }
    }
  }
  double count = static_cast<double>(dataset.size()) * static_cast<double>(plane);
  ChannelStatistics statistics;
  for (std::size_t c = 0; c < sum.size(); ++c) {
    double mean = sum[c] / count;
    statistics.mean.push_back(static_cast<float>(mean));
    statistics.stddev.push_back(
        static_cast<float>(std::sqrt(std::max(0.0, sum_of_squares[c] / count - mean * mean))));
  }
  return statistics;
}

}  // namespace chase::data

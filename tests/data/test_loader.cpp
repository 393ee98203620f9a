// DataLoader, SubsetDataset and the hold-out split on synthetic in-memory
// datasets whose pixels identify their sample.
#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>

#include "data/loader.h"
#include "data/split.h"
#include "tensor/allocator.h"
#include "tests/data/data_test_util.h"

using namespace chase;
namespace fs = std::filesystem;
using namespace chase::data;

namespace {

constexpr ImageShape kShape{3, 4, 4};

// Sample i: pixel p holds 1000 i + p; its label is i % 7.
std::shared_ptr<ImageDataset> numbered_dataset(std::int64_t size) {
  std::vector<float> pixels;
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < size; ++i) {
    for (std::int64_t p = 0; p < kShape.numel(); ++p)
      pixels.push_back(static_cast<float>(1000 * i + p));
    labels.push_back(i % 7);
  }
  return std::make_shared<ImageDataset>("numbered", kShape, std::move(pixels), std::move(labels),
                                        7);
}

// The sample behind each image of a batch loaded without transforms.
std::vector<std::int64_t> samples_of(const Batch& batch) {
  std::vector<std::int64_t> samples;
  auto pixels = batch.images.to_vector();
  for (std::size_t i = 0; i < pixels.size(); i += static_cast<std::size_t>(kShape.numel())) {
    samples.push_back(static_cast<std::int64_t>(pixels[i]) / 1000);
  }
  return samples;
}

std::vector<Batch> load_epoch(const DataLoader& loader, std::uint64_t epoch) {
  std::vector<Batch> batches;
  auto reader = loader.epoch(epoch);
  while (auto batch = reader.next()) batches.push_back(std::move(*batch));
  return batches;
}

std::vector<std::int64_t> epoch_samples(const DataLoader& loader, std::uint64_t epoch) {
  std::vector<std::int64_t> samples;
  for (const auto& batch : load_epoch(loader, epoch)) {
    auto part = samples_of(batch);
    samples.insert(samples.end(), part.begin(), part.end());
  }
  return samples;
}

// Fails on sample `bad` to show how worker errors reach the consumer.
class FailingDataset final : public Dataset {
 public:
  FailingDataset(std::shared_ptr<const Dataset> base, std::int64_t bad)
      : base_(std::move(base)), bad_(bad) {}
  const std::string& name() const override { return base_->name(); }
  std::int64_t size() const override { return base_->size(); }
  ImageShape image_shape() const override { return base_->image_shape(); }
  std::int64_t num_classes() const override { return base_->num_classes(); }
  std::int64_t label(std::int64_t index) const override { return base_->label(index); }
  void read_image(std::int64_t index, std::span<float> out) const override {
    CHASE_CHECK(index != bad_, "sample {} is unreadable", index);
    base_->read_image(index, out);
  }

 private:
  std::shared_ptr<const Dataset> base_;
  std::int64_t bad_;
};

}  // namespace

TEST_CASE("batches hold f32 images [B, C, H, W] and i64 labels [B]") {
  DataLoader loader(numbered_dataset(10), {.batch_size = 4, .shuffle = false, .num_workers = 2});
  CHECK(loader.num_batches() == 3);
  auto batches = load_epoch(loader, 0);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].images.shape() == Shape{4, 3, 4, 4});
  CHECK(batches[0].images.dtype() == DType::f32);
  CHECK(batches[0].labels.dtype() == DType::i64);
  CHECK(batches[2].images.shape() == Shape{2, 3, 4, 4});
  CHECK(batches[2].index == 2);
  CHECK(samples_of(batches[1]) == std::vector<std::int64_t>{4, 5, 6, 7});
  CHECK(batches[1].labels.to_vector() == std::vector<double>{4, 5, 6, 0});
  // Pixel p of sample 5 is 5000 + p: the whole image arrives in order.
  auto pixels = batches[1].images.select(0, 1).to_vector();
  for (std::size_t p = 0; p < pixels.size(); ++p)
    CHECK(pixels[p] == 5000.0 + static_cast<double>(p));
}

TEST_CASE("drop_last drops only a short last batch") {
  auto dataset = numbered_dataset(10);
  DataLoader keep(dataset, {.batch_size = 4, .drop_last = false});
  DataLoader drop(dataset, {.batch_size = 4, .drop_last = true});
  DataLoader exact(dataset, {.batch_size = 5, .drop_last = true});
  CHECK(load_epoch(keep, 0).size() == 3);
  auto dropped = load_epoch(drop, 0);
  CHECK(dropped.size() == 2);
  for (const auto& batch : dropped) CHECK(batch.labels.numel() == 4);
  CHECK(load_epoch(exact, 0).size() == 2);
  DataLoader too_big(dataset, {.batch_size = 11, .drop_last = true});
  CHECK(load_epoch(too_big, 0).empty());
}

TEST_CASE("shuffling: a permutation per epoch, reproducible from the seed") {
  auto dataset = numbered_dataset(50);
  DataLoader loader(dataset, {.batch_size = 8, .seed = 3});
  auto epoch0 = epoch_samples(loader, 0);
  auto epoch1 = epoch_samples(loader, 1);
  auto sorted = epoch0;
  std::ranges::sort(sorted);
  std::vector<std::int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  CHECK(sorted == all);
  CHECK(epoch0 != all);
  CHECK(epoch1 != epoch0);
  CHECK(epoch_samples(loader, 0) == epoch0);
  CHECK(epoch0 == loader.epoch_order(0));
  DataLoader same_seed(dataset, {.batch_size = 5, .seed = 3, .num_workers = 0});
  CHECK(epoch_samples(same_seed, 1) == epoch1);
  DataLoader other_seed(dataset, {.batch_size = 8, .seed = 4});
  CHECK(epoch_samples(other_seed, 0) != epoch0);
}

TEST_CASE("output is identical for any number of workers and prefetch depth") {
  auto dataset = numbered_dataset(37);
  TransformPipeline augment{
      std::make_shared<RandomCrop>(1), std::make_shared<RandomHorizontalFlip>(),
      std::make_shared<Normalize>(std::vector<float>{1, 2, 3}, std::vector<float>{4, 5, 6})};
  auto batches_with = [&](int workers, int prefetch) {
    DataLoader loader(
        dataset,
        {.batch_size = 4, .seed = 11, .num_workers = workers, .prefetch_batches = prefetch},
        augment);
    return load_epoch(loader, 2);
  };
  auto reference = batches_with(0, 1);
  REQUIRE(reference.size() == 10);
  for (auto [workers, prefetch] :
       {std::pair{1, 1}, std::pair{2, 4}, std::pair{5, 2}, std::pair{8, 16}}) {
    auto batches = batches_with(workers, prefetch);
    REQUIRE(batches.size() == reference.size());
    for (std::size_t b = 0; b < batches.size(); ++b) {
      INFO("workers " << workers << ", prefetch " << prefetch << ", batch " << b);
      CHECK(batches[b].index == static_cast<std::int64_t>(b));
      CHECK(batches[b].images.to_vector() == reference[b].images.to_vector());
      CHECK(batches[b].labels.to_vector() == reference[b].labels.to_vector());
    }
  }
}

TEST_CASE("stats count the batches and the consumer's waiting time") {
  DataLoader inline_loader(numbered_dataset(20), {.batch_size = 8, .num_workers = 0});
  auto reader = inline_loader.epoch(0);
  while (reader.next()) {
  }
  auto stats = reader.stats();
  CHECK(stats.batches == 3);
  CHECK(stats.samples == 20);
  CHECK(stats.load_seconds > 0.0);
  // Without workers the consumer waits for every batch it loads itself.
  CHECK(stats.consumer_wait_seconds >= stats.load_seconds);
}

TEST_CASE("a worker's error reaches the consumer at its batch and ends the epoch") {
  auto dataset = std::make_shared<FailingDataset>(numbered_dataset(20), 9);
  for (int workers : {0, 3}) {
    INFO(workers << " workers");
    DataLoader loader(dataset, {.batch_size = 4, .shuffle = false, .num_workers = workers});
    auto reader = loader.epoch(0);
    CHECK(reader.next().has_value());
    CHECK(reader.next().has_value());
    CHECK_THROWS_WITH_AS(reader.next(), "sample 9 is unreadable", Error);
    CHECK_THROWS_WITH_AS(reader.next(), "sample 9 is unreadable", Error);
    CHECK(reader.stats().batches == 2);
  }
}

TEST_CASE("stopping mid-epoch joins the workers and frees every batch") {
  auto dataset = numbered_dataset(200);
  auto& allocator = allocator_for(Device::cpu());
  auto live_before = allocator.stats().live_bytes;
  {
    DataLoader loader(dataset, {.batch_size = 2, .num_workers = 4, .prefetch_batches = 8});
    auto reader = loader.epoch(0);
    auto first = reader.next();
    REQUIRE(first.has_value());
    // The reader goes out of scope with workers busy or waiting on a full window.
  }
  CHECK(allocator.stats().live_bytes == live_before);

  DataLoader loader(dataset, {.batch_size = 2, .num_workers = 2});
  auto reader = loader.epoch(0);
  reader = loader.epoch(1);  // replacing a running epoch stops it first
  CHECK(reader.next()->index == 0);
}

TEST_CASE("loader options are checked") {
  auto dataset = numbered_dataset(4);
  CHECK_THROWS_WITH_AS(DataLoader(dataset, {.batch_size = 0}),
                       "DataLoader: batch_size must be positive, got 0", Error);
  CHECK_THROWS_AS(DataLoader(dataset, {.num_workers = -1}), Error);
  CHECK_THROWS_AS(DataLoader(dataset, {.prefetch_batches = 0}), Error);
  CHECK_THROWS_AS(DataLoader(nullptr, {}), Error);
}

TEST_CASE("hold-out split: seeded, disjoint, covering") {
  auto split = holdout_split(100, 30, 5);
  CHECK(split.validation.size() == 30);
  CHECK(split.train.size() == 70);
  CHECK(std::ranges::is_sorted(split.train));
  CHECK(std::ranges::is_sorted(split.validation));
  std::vector<std::int64_t> both;
  std::ranges::set_intersection(split.train, split.validation, std::back_inserter(both));
  CHECK(both.empty());
  std::set<std::int64_t> all(split.train.begin(), split.train.end());
  all.insert(split.validation.begin(), split.validation.end());
  CHECK(all.size() == 100);
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == 99);

  CHECK(holdout_split(100, 30, 5).validation == split.validation);
  CHECK(holdout_split(100, 30, 6).validation != split.validation);
  // Not simply the first or last indices.
  CHECK(split.validation.front() < 70);
  CHECK(split.validation.back() >= 30);
  CHECK(holdout_split(10, 0, 1).train.size() == 10);
  CHECK(holdout_split(10, 10, 1).validation.size() == 10);
  CHECK_THROWS_WITH_AS(
      holdout_split(10, 11, 1),
      "holdout_split: validation_size must be in [0, 10] (the dataset size), got 11", Error);
}

TEST_CASE("a subset dataset serves the split's samples to a loader") {
  auto dataset = numbered_dataset(40);
  auto split = holdout_split(40, 8, 2);
  auto validation =
      std::make_shared<SubsetDataset>(dataset, split.validation, "numbered/validation");
  CHECK(validation->size() == 8);
  CHECK(validation->label(3) == dataset->label(split.validation[3]));
  DataLoader loader(validation, {.batch_size = 3, .shuffle = false});
  CHECK(epoch_samples(loader, 0) == split.validation);
  CHECK_THROWS_WITH_AS(
      validation->label(8),
      "SubsetDataset::label: index 8 out of range for numbered/validation (8 samples)", Error);
  CHECK_THROWS_AS(SubsetDataset(dataset, {40}, "bad"), Error);
}

TEST_CASE("channel statistics: mean and population stddev per channel") {
  // Channel 0 holds 0 and 1 (mean 0.5, stddev 0.5); channel 1 holds 0.25 everywhere.
  ImageDataset two("two", {2, 1, 2}, std::vector<float>{0, 1, 0.25f, 0.25f, 1, 0, 0.25f, 0.25f},
                   {0, 1}, 2);
  auto statistics = channel_statistics(two);
  CHECK(statistics.mean == std::vector<float>{0.5f, 0.25f});
  CHECK(statistics.stddev == std::vector<float>{0.5f, 0.0f});
}

TEST_CASE("image datasets check their buffers and labels") {
  CHECK_THROWS_WITH_AS(ImageDataset("x", {1, 2, 2}, std::vector<std::uint8_t>(7), {0, 1}, 2),
                       "ImageDataset x: 2 labels of [1, 2, 2] images need 8 pixel values, got 7",
                       Error);
  CHECK_THROWS_WITH_AS(ImageDataset("x", {1, 1, 1}, std::vector<std::uint8_t>(2), {0, 2}, 2),
                       "ImageDataset x: label 2 of sample 1 is outside [0, 2)", Error);
  ImageDataset bytes("bytes", {1, 1, 2}, std::vector<std::uint8_t>{0, 255}, {1}, 2);
  std::vector<float> out(2);
  bytes.read_image(0, out);
  CHECK(out == std::vector<float>{0.0f, 1.0f});
  CHECK_THROWS_AS(bytes.read_image(0, std::span(out).first(1)), Error);
}

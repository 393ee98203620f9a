// DataLoader: turns a Dataset into batches of tensors, images f32 [B, C, H, W]
// and labels i64 [B]. Worker threads assemble batches ahead of the consumer
// into a bounded window of `prefetch_batches` slots and hand them over in
// order, so the output depends only on (seed, epoch), never on the number of
// workers or their timing. Usage:
//
//   DataLoader loader(train_set, {.batch_size = 128, .seed = 1}, augmentations);
//   auto epoch = loader.epoch(e);
//   while (auto batch = epoch.next()) train_step(batch->images, batch->labels);
//   log(epoch.stats().consumer_wait_seconds);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"
#include "tensor/tensor.h"

namespace chase::data {

struct DataLoaderOptions {
  std::int64_t batch_size = 128;
  bool shuffle = true;       // a new seeded permutation every epoch
  bool drop_last = false;    // drop a last batch smaller than batch_size
  std::uint64_t seed = 0;    // shuffling and augmentation
  int num_workers = 2;       // 0 loads each batch on the consumer's thread, in next()
  int prefetch_batches = 4;  // batches done or in progress ahead of the consumer, at most
};

struct Batch {
  Tensor images;           // f32 [B, C, H, W]
  Tensor labels;           // i64 [B]
  std::int64_t index = 0;  // position of the batch in its epoch
};

struct EpochStats {
  std::int64_t batches = 0;  // delivered so far
  std::int64_t samples = 0;
  // Time next() spent waiting for a batch: near zero when the workers keep ahead.
  double consumer_wait_seconds = 0;
  // Time spent assembling batches, summed over workers.
  double load_seconds = 0;
};

class EpochLoader;

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
             TransformPipeline transforms = {});

  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  std::int64_t num_batches() const;
  // The sample order of an epoch: a permutation seeded by (seed, epoch), or 0..N-1.
  std::vector<std::int64_t> epoch_order(std::uint64_t epoch) const;
  // Starts the workers on epoch `epoch`.
  EpochLoader epoch(std::uint64_t epoch) const;

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  TransformPipeline transforms_;
};

// One pass over the data. Destroying it mid-epoch stops and joins the workers.
class EpochLoader {
 public:
  ~EpochLoader();
  EpochLoader(EpochLoader&&) noexcept;
  EpochLoader& operator=(EpochLoader&&) noexcept;

  // The next batch, nullopt after the last. A worker's exception is rethrown
  // here when the consumer reaches the batch it failed on, and again on every
  // later call: the epoch ends there.
  std::optional<Batch> next();
  EpochStats stats() const;

 private:
  friend class DataLoader;
  struct State;
  EpochLoader(std::unique_ptr<State> state, int num_workers);
  void stop();

  std::unique_ptr<State> state_;
  std::vector<std::thread> workers_;
};

}  // namespace chase::data

#include "data/loader.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <utility>

#include "data/sample_random.h"
#include "tensor/error.h"

namespace chase::data {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// Batch b is built by whichever worker claims it and parked in slot
// b % slots.size() until the consumer takes it. A worker may claim b only
// while b < next_to_deliver + slots.size(), so slot b's previous occupant,
// batch b - slots.size(), has already been taken: the window bounds memory.
struct EpochLoader::State {
  struct Slot {
    bool ready = false;
    Batch batch;
    std::exception_ptr error;
  };

  std::shared_ptr<const Dataset> dataset;
  TransformPipeline transforms;
  DataLoaderOptions options;
  std::uint64_t epoch = 0;
  std::vector<std::int64_t> order;
  std::int64_t num_batches = 0;

  std::mutex mutex;
  std::condition_variable slot_filled;   // the consumer waits on it
  std::condition_variable window_moved;  // idle workers wait on it
  std::vector<Slot> slots;
  std::int64_t next_to_claim = 0;
  std::int64_t next_to_deliver = 0;
  bool stopping = false;
  std::exception_ptr failure;  // the error that ended the epoch
  EpochStats stats;

  Batch assemble(std::int64_t index) const {
    auto first = index * options.batch_size;
    auto count = std::min(options.batch_size, std::ssize(order) - first);
    auto shape = dataset->image_shape();
    auto image_size = shape.numel();
    Batch batch{Tensor::empty({count, shape.channels, shape.height, shape.width}, DType::f32),
                Tensor::empty({count}, DType::i64), index};
    float* images = batch.images.data<float>();
    std::int64_t* labels = batch.labels.data<std::int64_t>();
    for (std::int64_t i = 0; i < count; ++i) {
      auto sample = order[static_cast<std::size_t>(first + i)];
      ImageView image{{images + i * image_size, static_cast<std::size_t>(image_size)}, shape};
      dataset->read_image(sample, image.pixels);
      transforms.apply(image, options.seed, epoch, sample);
      labels[i] = dataset->label(sample);
    }
    return batch;
  }

  void work() {
    for (;;) {
      std::int64_t index;
      {
        std::unique_lock lock(mutex);
        window_moved.wait(lock, [&] {
          return stopping || next_to_claim >= num_batches ||
                 next_to_claim < next_to_deliver + std::ssize(slots);
        });
        if (stopping || next_to_claim >= num_batches) return;
        index = next_to_claim++;
      }
      auto start = std::chrono::steady_clock::now();
      Slot result{true, {}, nullptr};
      try {
        result.batch = assemble(index);
      } catch (...) {
        result.error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        stats.load_seconds += seconds_since(start);
        slots[static_cast<std::size_t>(index) % slots.size()] = std::move(result);
      }
      slot_filled.notify_all();
    }
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
                       TransformPipeline transforms)
    : dataset_(std::move(dataset)), options_(options), transforms_(std::move(transforms)) {
  CHASE_CHECK(dataset_ != nullptr, "DataLoader: no dataset");
  CHASE_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got {}",
              options_.batch_size);
  CHASE_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got {}",
              options_.num_workers);
  CHASE_CHECK(options_.prefetch_batches >= 1, "DataLoader: prefetch_batches must be >= 1, got {}",
              options_.prefetch_batches);
}

std::int64_t DataLoader::num_batches() const {
  auto size = dataset_->size();
  return options_.drop_last ? size / options_.batch_size
                            : (size + options_.batch_size - 1) / options_.batch_size;
}

std::vector<std::int64_t> DataLoader::epoch_order(std::uint64_t epoch) const {
  if (options_.shuffle) {
    return seeded_permutation(dataset_->size(),
                              data_stream_key(options_.seed, DataStream::shuffle, epoch));
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  return order;
}

EpochLoader DataLoader::epoch(std::uint64_t epoch) const {
  auto state = std::make_unique<EpochLoader::State>();
  state->dataset = dataset_;
  state->transforms = transforms_;
  state->options = options_;
  state->epoch = epoch;
  state->order = epoch_order(epoch);
  state->num_batches = num_batches();
  state->slots.resize(static_cast<std::size_t>(options_.prefetch_batches));
  return EpochLoader(std::move(state), options_.num_workers);
}

EpochLoader::EpochLoader(std::unique_ptr<State> state, int num_workers) : state_(std::move(state)) {
  try {
    for (int w = 0; w < num_workers; ++w) {
      workers_.emplace_back([state = state_.get()] { state->work(); });
    }
  } catch (...) {
    stop();
    throw;
  }
}

EpochLoader::~EpochLoader() { stop(); }

EpochLoader::EpochLoader(EpochLoader&&) noexcept = default;

EpochLoader& EpochLoader::operator=(EpochLoader&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
    workers_ = std::move(other.workers_);
  }
  return *this;
}

void EpochLoader::stop() {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->window_moved.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

std::optional<Batch> EpochLoader::next() {
  CHASE_CHECK(state_ != nullptr, "EpochLoader::next: this loader was moved from");
  State& s = *state_;
  if (s.failure) std::rethrow_exception(s.failure);
  if (s.next_to_deliver >= s.num_batches) return std::nullopt;

  auto start = std::chrono::steady_clock::now();
  State::Slot slot;
  if (workers_.empty()) {
    try {
      slot.batch = s.assemble(s.next_to_deliver);
    } catch (...) {
      slot.error = std::current_exception();
    }
    s.stats.load_seconds += seconds_since(start);
  } else {
    std::unique_lock lock(s.mutex);
    auto& parked = s.slots[static_cast<std::size_t>(s.next_to_deliver) % s.slots.size()];
    s.slot_filled.wait(lock, [&] { return parked.ready; });
    slot = std::exchange(parked, {});
  }

  std::lock_guard lock(s.mutex);
  s.stats.consumer_wait_seconds += seconds_since(start);
  ++s.next_to_deliver;
  s.window_moved.notify_all();
  if (slot.error) {
    s.failure = slot.error;
    std::rethrow_exception(slot.error);
  }
  ++s.stats.batches;
  s.stats.samples += slot.batch.labels.numel();
  return std::move(slot.batch);
}

EpochStats EpochLoader::stats() const {
  CHASE_CHECK(state_ != nullptr, "EpochLoader::stats: this loader was moved from");
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

}  // namespace chase::data

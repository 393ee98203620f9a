#include "data/split.h"

#include <algorithm>

#include "data/sample_random.h"
#include "tensor/error.h"

namespace chase::data {

HoldoutSplit holdout_split(std::int64_t dataset_size, std::int64_t validation_size,
                           std::uint64_t seed) {
  CHASE_CHECK(validation_size >= 0 && validation_size <= dataset_size,
              "holdout_split: validation_size must be in [0, {}] (the dataset size), got {}",
              dataset_size, validation_size);
  auto order = seeded_permutation(dataset_size, data_stream_key(seed, DataStream::holdout));
  auto boundary = order.begin() + validation_size;
  HoldoutSplit split{{boundary, order.end()}, {order.begin(), boundary}};
  std::ranges::sort(split.train);
  std::ranges::sort(split.validation);
  return split;
}

}  // namespace chase::data

// Validation split: a seeded hold-out of a training set, needed by budgeted
// evaluation to choose exit thresholds on data the model was not trained on.
#pragma once

#include <cstdint>
#include <vector>

namespace chase::data {

struct HoldoutSplit {
  std::vector<std::int64_t> train;       // sorted indices
  std::vector<std::int64_t> validation;  // sorted indices, disjoint from train
};

// Holds out `validation_size` of the indices 0..dataset_size-1, drawn without
// replacement from a permutation seeded by `seed`; the rest are for training.
HoldoutSplit holdout_split(std::int64_t dataset_size, std::int64_t validation_size,
                           std::uint64_t seed);

}  // namespace chase::data

// `--val-size N`: N seeded images of the training set held out for
// validation (budgeted evaluation chooses its exit thresholds on them, as
// MSDNet holds out 5000 CIFAR images). The held-out indices are recorded in
// the run folder, OUT/val_indices.json, so that a later evaluation reads
// exactly those images and a resumed run checks it holds out the same ones:
//   {"dataset": "fashion-mnist", "training_images": 60000, "seed": 1,
//    "val_size": 5000, "indices": [3, 17, ...]}   (sorted)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace chase::train {

struct ValidationSplit {
  std::shared_ptr<const data::Dataset> train;       // the training images left
  std::shared_ptr<const data::Dataset> validation;  // the held-out ones
  std::vector<std::int64_t> indices;  // of the held-out images in the full set, sorted
};

// Holds out `size` images of `full` drawn by `seed` (data/split.h): two
// disjoint subsets that cover it. Throws chase::Error unless 0 < size < full's size.
ValidationSplit hold_out(std::shared_ptr<const data::Dataset> full, std::int64_t size,
                         std::uint64_t seed);

struct ValidationRecord {
  std::string dataset;
  std::int64_t training_images = 0;  // the size of the full training set
  std::uint64_t seed = 0;
  std::vector<std::int64_t> indices;
};

inline constexpr const char* kValidationIndicesFile = "val_indices.json";

// Writes `record` to `out_dir`/val_indices.json (aside, then renamed).
void save_validation_record(const std::filesystem::path& out_dir, const ValidationRecord& record);
// Reads it back; throws chase::Error naming the file when it is missing or malformed.
ValidationRecord load_validation_record(const std::filesystem::path& out_dir);

}  // namespace chase::train

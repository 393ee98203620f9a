// CIFAR-10 and CIFAR-100 in their official binary formats
// (https://www.cs.toronto.edu/~kriz/cifar.html). Each record is the label
// byte(s) followed by 3072 pixel bytes: the 32x32 red plane, then green, then
// blue, each row-major, which is already channels-first.
//   CIFAR-10:  data_batch_1.bin .. data_batch_5.bin (train), test_batch.bin;
//              records of 1 label byte (0..9) + 3072 pixels, 10000 per file.
//   CIFAR-100: train.bin (50000 records), test.bin (10000 records);
//              records of a coarse (0..19) and a fine (0..99) label byte + 3072 pixels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "data/dataset.h"

namespace chase::data {

enum class CifarLabels { fine, coarse };

struct CifarOptions {
  // Records each file must hold; unset means the official counts above. Only
  // small test fixtures set it.
  std::optional<std::int64_t> records_per_file;
  // CIFAR-100 only: the 100 fine classes (the usual benchmark) or the 20 superclasses.
  CifarLabels labels = CifarLabels::fine;
};

// `dir` is the folder holding the .bin files, or the folder `chase data fetch`
// extracted into (holding cifar-10-batches-bin/ or cifar-100-binary/). A
// missing, truncated or mislabelled file gives a chase::Error naming the file
// and what was expected vs found.
std::shared_ptr<ImageDataset> load_cifar10(const std::filesystem::path& dir, Split split,
                                           const CifarOptions& options = {});
std::shared_ptr<ImageDataset> load_cifar100(const std::filesystem::path& dir, Split split,
                                            const CifarOptions& options = {});

}  // namespace chase::data

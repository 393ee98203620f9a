// MNIST and Fashion-MNIST in the IDX format (LeCun et al.): a big-endian header
// (two zero bytes, element type 0x08 = unsigned byte, number of dims, then one
// u32 size per dim) followed by the values. Files may be gzip-compressed or
// plain; zlib reads both.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace chase::data {

struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> values;  // row-major, product(dims) values
};

// Reads a whole unsigned-byte IDX file. Errors name the file and what was
// expected vs found (magic number, element type, size, truncation, trailing data).
IdxArray read_idx_file(const std::filesystem::path& path);

// Images [N, H, W] and labels [N] from two IDX files; labels must lie in [0, num_classes).
std::shared_ptr<ImageDataset> load_idx_dataset(const std::filesystem::path& images_path,
                                               const std::filesystem::path& labels_path,
                                               std::string name, std::int64_t num_classes);

// Debian's dataset-fashion-mnist package installs the four official files here.
inline const std::filesystem::path kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The official file names in `dir`: {train,t10k}-{images-idx3,labels-idx1}-ubyte,
// gzip-compressed (.gz) or not.
std::shared_ptr<ImageDataset> load_mnist(const std::filesystem::path& dir, Split split);
std::shared_ptr<ImageDataset> load_fashion_mnist(
    Split split, const std::filesystem::path& dir = kDefaultFashionMnistDir);

}  // namespace chase::data

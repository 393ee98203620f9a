#include "data/cifar.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "tensor/error.h"

namespace chase::data {
namespace {

constexpr ImageShape kCifarImage{3, 32, 32};

struct LabelByte {
  const char* name;
  std::int64_t classes;
};

// One of the two binary layouts: the label bytes that lead each record and
// which of them is the dataset's label.
struct CifarLayout {
  const char* op;
  const char* dataset;
  const char* folder;  // the top folder of the official tarball
  std::vector<LabelByte> label_bytes;
  std::size_t chosen_label;
};

std::filesystem::path resolve_folder(const std::filesystem::path& dir, const CifarLayout& layout) {
  auto nested = dir / layout.folder;
  return std::filesystem::is_directory(nested) ? nested : dir;
}

std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& path, const char* op) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  CHASE_CHECK(in.is_open(),
              "{}: cannot open {}: {} (expected the official CIFAR binary files; `chase data "
              "fetch` downloads them)",
              op, path.string(), std::strerror(errno));
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  CHASE_CHECK(!error, "{}: cannot read the size of {}: {}", op, path.string(), error.message());
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  CHASE_CHECK(static_cast<std::size_t>(in.gcount()) == bytes.size(),
              "{}: read error in {} after {} of {} bytes", op, path.string(), in.gcount(),
              bytes.size());
  return bytes;
}

// Appends the records of one file to pixels/labels after checking its size and labels.
void read_cifar_file(const std::filesystem::path& path, const CifarLayout& layout,
                     std::int64_t records, std::vector<std::uint8_t>& pixels,
                     std::vector<std::int64_t>& labels) {
  auto bytes = read_whole_file(path, layout.op);
  auto label_bytes = layout.label_bytes.size();
  auto record_bytes = label_bytes + static_cast<std::size_t>(kCifarImage.numel());
  auto expected = static_cast<std::size_t>(records) * record_bytes;
  CHASE_CHECK(bytes.size() == expected,
              "{}: {} has {} bytes, expected {} records of {} bytes = {} bytes", layout.op,
              path.string(), bytes.size(), records, record_bytes, expected);
  for (std::size_t record = 0; record < static_cast<std::size_t>(records); ++record) {
    const std::uint8_t* start = bytes.data() + record * record_bytes;
    for (std::size_t b = 0; b < label_bytes; ++b) {
      const auto& label = layout.label_bytes[b];
      CHASE_CHECK(start[b] < label.classes, "{}: {} record {} has {} {}, expected 0..{}", layout.op,
                  path.string(), record, label.name, start[b], label.classes - 1);
    }
    labels.push_back(start[layout.chosen_label]);
    pixels.insert(pixels.end(), start + label_bytes, start + record_bytes);
  }
}

std::shared_ptr<ImageDataset> load_cifar(const std::filesystem::path& dir, Split split,
                                         const CifarLayout& layout,
                                         const std::vector<std::string>& files,
                                         std::int64_t records_per_file) {
  CHASE_CHECK(records_per_file > 0, "{}: records_per_file must be positive, got {}", layout.op,
              records_per_file);
  auto folder = resolve_folder(dir, layout);
  std::vector<std::uint8_t> pixels;
  std::vector<std::int64_t> labels;
  auto total = records_per_file * std::ssize(files);
  pixels.reserve(static_cast<std::size_t>(total * kCifarImage.numel()));
  labels.reserve(static_cast<std::size_t>(total));
  for (const auto& file : files) {
    read_cifar_file(folder / file, layout, records_per_file, pixels, labels);
  }
  return std::make_shared<ImageDataset>(
      fmt::format("{}/{}", layout.dataset, split == Split::train ? "train" : "test"), kCifarImage,
      std::move(pixels), std::move(labels), layout.label_bytes[layout.chosen_label].classes);
}

}  // namespace

std::shared_ptr<ImageDataset> load_cifar10(const std::filesystem::path& dir, Split split,
                                           const CifarOptions& options) {
  const CifarLayout layout{"load_cifar10", "cifar10", "cifar-10-batches-bin", {{"label", 10}}, 0};
  std::vector<std::string> files{"test_batch.bin"};
  if (split == Split::train) {
    files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
             "data_batch_5.bin"};
  }
  return load_cifar(dir, split, layout, files, options.records_per_file.value_or(10000));
}

std::shared_ptr<ImageDataset> load_cifar100(const std::filesystem::path& dir, Split split,
                                            const CifarOptions& options) {
  // Record layout: coarse label byte, fine label byte, pixels.
  const CifarLayout layout{"load_cifar100",
                           "cifar100",
                           "cifar-100-binary",
                           {{"coarse label", 20}, {"fine label", 100}},
                           options.labels == CifarLabels::coarse ? 0u : 1u};
  bool train = split == Split::train;
  return load_cifar(dir, split, layout, {train ? "train.bin" : "test.bin"},
                    options.records_per_file.value_or(train ? 50000 : 10000));
}

}  // namespace chase::data

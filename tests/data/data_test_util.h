// Helpers of the data/ tests: a scratch folder, file bytes, the fixture
// folders, and the pixel/label formulas of tests/fixtures/make_data_fixtures.py
// written a second time so that the readers are checked against them.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "tests/test_util.h"

namespace chase::test {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "chase-data-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// doctest's Contains matcher for a message built at run time.
inline doctest::Contains contains(const std::string& text) {
  return doctest::Contains(text.c_str());
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.is_open(), "cannot open " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

inline fs::path fixture_path(const std::string& relative) {
  return test_data_path("fixtures/" + relative);
}

// A writable copy of a fixture folder, for tests that damage files.
inline fs::path copy_fixture(const std::string& relative, const TempDir& dir) {
  auto target = dir / relative;
  fs::create_directories(target);
  fs::copy(fixture_path(relative), target, fs::copy_options::recursive);
  return target;
}

// ---- mnist-fixture: train (5 images, gzip) and t10k (3 images, plain), 4x3 pixels ----
constexpr std::int64_t kMnistFixtureHeight = 4, kMnistFixtureWidth = 3;

inline int mnist_fixture_pixel(bool train, int image, int y, int x) {
  int value = 40 * image + 10 * y + x;
  return train ? value : 255 - value;
}

inline int mnist_fixture_label(bool train, int image) {
  int label = (7 * image + 3) % 10;
  return train ? label : 9 - label;
}

// ---- cifar-10-fixture (2 records per file) and cifar-100-fixture (3 per file) ----
// `record` counts across the files of a dataset, train files first.
constexpr std::int64_t kCifar10FixtureRecords = 2, kCifar100FixtureRecords = 3;

inline int cifar_fixture_pixel(int record, int channel, int y, int x) {
  return (16 * record + 64 * channel + 2 * y + x) % 256;
}

inline int cifar10_fixture_label(int record) { return (3 * record + 1) % 10; }

inline std::pair<int, int> cifar100_fixture_labels(int record) {  // coarse, fine
  return {(7 * record) % 20, (37 * record + 11) % 100};
}

}  // namespace chase::test

#include "data/fetch.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "data/download.h"
#include "data/extract.h"
#include "data/md5.h"
#include "tensor/error.h"

namespace chase::data {
namespace {

namespace fs = std::filesystem;

struct DatasetSource {
  std::string name;
  std::string url;
  std::string archive;             // file name of the tarball
  std::string md5;                 // published on https://www.cs.toronto.edu/~kriz/cifar.html
  std::string folder;              // the tarball's top folder
  std::vector<std::string> files;  // what a complete extraction holds in `folder`
};

const std::vector<DatasetSource>& sources() {
  static const std::vector<DatasetSource> list = {
      {"cifar10",
       "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
       "cifar-10-binary.tar.gz",
       "c32a1d4ab5d03f1284b67883e8d87530",
       "cifar-10-batches-bin",
       {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
        "data_batch_5.bin", "test_batch.bin"}},
      {"cifar100",
       "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
       "cifar-100-binary.tar.gz",
       "03b5dce01913d631647c71ecec9e9cb8",
       "cifar-100-binary",
       {"train.bin", "test.bin"}},
  };
  return list;
}

// Written into the dataset folder after everything else: its presence with the
// expected checksum is what makes a folder complete.
constexpr const char* kMarkerName = ".chase-fetch-verified";

const DatasetSource& find_source(std::string_view name) {
  auto it = std::ranges::find(sources(), name, &DatasetSource::name);
  CHASE_CHECK(it != sources().end(), "fetch_dataset: unknown dataset '{}', expected one of {}",
              name, fetchable_datasets());
  return *it;
}

std::string checked_md5(std::string md5) {
  std::ranges::transform(md5, md5.begin(), [](unsigned char c) { return std::tolower(c); });
  bool hex = md5.size() == 32 &&
             std::ranges::all_of(md5, [](unsigned char c) { return std::isxdigit(c) != 0; });
  CHASE_CHECK(hex, "fetch_dataset: expected md5 as 32 hex digits, got '{}'", md5);
  return md5;
}

std::string marker_text(const DatasetSource& source, const std::string& md5) {
  return fmt::format("{} md5 {}\n", source.archive, md5);
}

bool is_complete(const fs::path& folder, const DatasetSource& source, const std::string& md5) {
  std::ifstream marker(folder / kMarkerName);
  if (!marker) return false;
  std::stringstream text;
  text << marker.rdbuf();
  return text.str() == marker_text(source, md5) &&
         std::ranges::all_of(source.files, [&](const auto& f) { return fs::exists(folder / f); });
}

// Downloads to `archive`.part and renames it to `archive` only when its md5 matches.
void download_verified(const std::string& url, const fs::path& archive, const std::string& md5,
                       bool show_progress) {
  fs::path part = archive;
  part += ".part";
  DownloadResult result;
  try {
    result = download_file(url, part, show_progress);
  } catch (...) {
    fs::remove(part);
    throw;
  }
  if (result.md5 != md5) {
    fs::remove(part);
    throw Error(fmt::format(
        "fetch_dataset: {} gave {} bytes with md5 {}, expected md5 {}; the download was deleted",
        url, result.bytes, result.md5, md5));
  }
  fs::rename(part, archive);
}

// Extracts into a staging folder and moves the dataset folder into place only
// once every expected file is there.
void install_extracted(const fs::path& archive, const fs::path& dir, const DatasetSource& source) {
  fs::path staging = dir / (".extracting-" + source.folder);
  fs::remove_all(staging);
  try {
    extract_archive(archive, staging);
    for (const auto& file : source.files) {
      CHASE_CHECK(fs::is_regular_file(staging / source.folder / file),
                  "fetch_dataset: {} lacks {}/{}, expected the official layout", archive.string(),
                  source.folder, file);
    }
    fs::remove_all(dir / source.folder);
    fs::rename(staging / source.folder, dir / source.folder);
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  fs::remove_all(staging);
}

void write_marker(const fs::path& folder, const std::string& text) {
  fs::path temporary = folder / (std::string(kMarkerName) + ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    CHASE_CHECK(out.good(), "fetch_dataset: cannot write {}", temporary.string());
  }
  fs::rename(temporary, folder / kMarkerName);
}

FetchResult fetch_verified_dataset(const DatasetSource& source, const fs::path& dir,
                                   const FetchOptions& options) {
  auto md5 = checked_md5(options.md5.empty() ? source.md5 : options.md5);
  auto url = options.url.empty() ? source.url : options.url;
  fs::create_directories(dir);
  fs::path folder = dir / source.folder;
  if (is_complete(folder, source, md5)) return {folder, true};

  // A tarball verified by an earlier, interrupted run is not fetched again.
  fs::path archive = dir / source.archive;
  if (!fs::exists(archive) || md5_file(archive) != md5) {
    download_verified(url, archive, md5, options.show_progress);
  }
  install_extracted(archive, dir, source);
  write_marker(folder, marker_text(source, md5));
  return {folder, false};
}

}  // namespace

std::vector<std::string> fetchable_datasets() {
  std::vector<std::string> names;
  for (const auto& source : sources()) names.push_back(source.name);
  return names;
}

FetchResult fetch_dataset(std::string_view name, const fs::path& dir, const FetchOptions& options) {
  try {
    return fetch_verified_dataset(find_source(name), dir, options);
  } catch (const fs::filesystem_error& error) {
    // Folder and rename failures (a full disk, a read-only DIR) as the library's own error type.
    throw Error(fmt::format("fetch_dataset: {} into {}: {}", name, dir.string(), error.what()));
  }
}

}  // namespace chase::data

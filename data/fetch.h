// Downloading the official CIFAR binary tarballs: what `chase data fetch
// cifar10|cifar100 --dir DIR` runs on a machine with internet access.
//
// The tarball is downloaded (libcurl) to DIR/<archive>.part with a progress
// line on stderr, its md5 is checked, and only then is it renamed to
// DIR/<archive>. It is extracted (libarchive) into a staging folder that is
// renamed into place, and a marker file written last records the verified
// checksum: a dataset folder without the marker was never completed. A second
// call finds the marker and does nothing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace chase::data {

struct FetchOptions {
  std::string url;            // empty: the official URL (any libcurl URL, file:// too)
  std::string md5;            // empty: the official checksum
  bool show_progress = true;  // bytes, percentage and MB/s on stderr
};

struct FetchResult {
  std::filesystem::path folder;  // DIR/cifar-10-batches-bin or DIR/cifar-100-binary
  bool already_present = false;  // verified by an earlier fetch: nothing was downloaded
};

// The names fetch_dataset accepts: "cifar10", "cifar100".
std::vector<std::string> fetchable_datasets();

// Makes DIR hold the verified, extracted dataset `name`. Throws chase::Error
// naming the URL or file and what was expected vs found on a failed download,
// a checksum mismatch or a malformed archive; nothing is left looking complete.
FetchResult fetch_dataset(std::string_view name, const std::filesystem::path& dir,
                          const FetchOptions& options = {});

}  // namespace chase::data

// Unpacking a downloaded tarball with libarchive: what fetch.h builds on.
#pragma once

#include <filesystem>

namespace chase::data {

// Extracts the folders and regular files of a tar archive (compressed or not)
// under `destination`. An entry with an absolute path, a ".." component or
// another type (link, device) is refused rather than written outside
// `destination`. Throws chase::Error naming the archive on any failure,
// a truncated or corrupt archive included.
void extract_archive(const std::filesystem::path& archive,
                     const std::filesystem::path& destination);

}  // namespace chase::data

// One file download with libcurl: what fetch.h builds on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace chase::data {

struct DownloadResult {
  std::uint64_t bytes = 0;
  std::string md5;  // of the bytes received, computed while they arrive
};

// Writes the resource at `url` (http, https or file) to `path`, replacing it.
// With show_progress, a line on stderr shows bytes, percentage and MB/s.
// Throws chase::Error naming the URL on any failure: unreachable host, HTTP
// error status, a transfer cut short, a stalled connection, a write error.
DownloadResult download_file(const std::string& url, const std::filesystem::path& path,
                             bool show_progress);

}  // namespace chase::data

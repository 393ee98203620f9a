#include "data/download.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "data/md5.h"
#include "tensor/error.h"

namespace chase::data {
namespace {

// A connection that moves less than kStallBytesPerSecond for kStallSeconds is
// given up rather than left hanging.
constexpr long kConnectTimeoutSeconds = 30;
constexpr long kStallBytesPerSecond = 1024;
constexpr long kStallSeconds = 60;
constexpr double kProgressIntervalSeconds = 0.25;

struct Transfer {
  std::ofstream out;
  Md5 md5;
  std::uint64_t bytes = 0;
  bool show_progress = false;
  std::string label;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double last_report = -1.0;

  void report(double total_bytes, bool final) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!show_progress || (!final && elapsed - last_report < kProgressIntervalSeconds)) return;
    last_report = elapsed;
    double megabytes = static_cast<double>(bytes) / 1e6;
    std::string line = fmt::format("\r{}: {:.1f} MB", label, megabytes);
    if (total_bytes > 0) {
      line += fmt::format(" / {:.1f} MB ({:.0f}%)", total_bytes / 1e6,
                          100.0 * static_cast<double>(bytes) / total_bytes);
    }
    line += fmt::format(", {:.1f} MB/s", elapsed > 0 ? megabytes / elapsed : 0.0);
    // Padding blanks out the end of a longer line this one overwrites.
    std::fputs(fmt::format("{:<72}{}", line, final ? "\n" : "").c_str(), stderr);
  }
};

std::size_t write_received(char* data, std::size_t size, std::size_t count, void* context) {
  auto& transfer = *static_cast<Transfer*>(context);
  std::size_t length = size * count;
  transfer.out.write(data, static_cast<std::streamsize>(length));
  if (!transfer.out) return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  transfer.md5.update(std::as_bytes(std::span(data, length)));
  transfer.bytes += length;
  return length;
}

int report_progress(void* context, curl_off_t total, curl_off_t, curl_off_t, curl_off_t) {
  static_cast<Transfer*>(context)->report(static_cast<double>(total), false);
  return 0;
}

// curl_global_init is not thread-safe; a function-local static runs it once.
void init_curl_once() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  CHASE_CHECK(code == CURLE_OK, "download_file: curl_global_init failed: {}",
              curl_easy_strerror(code));
}

}  // namespace

DownloadResult download_file(const std::string& url, const std::filesystem::path& path,
                             bool show_progress) {
  init_curl_once();
  Transfer transfer;
  transfer.out.open(path, std::ios::binary | std::ios::trunc);
  CHASE_CHECK(transfer.out.is_open(), "download_file: cannot write {}", path.string());
  transfer.show_progress = show_progress;
  transfer.label = url.substr(url.find_last_of('/') + 1);

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  CHASE_CHECK(curl != nullptr, "download_file: curl_easy_init failed");
  char error[CURL_ERROR_SIZE] = "";
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, kStallBytesPerSecond);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_received);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, report_progress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);

  CURLcode code = curl_easy_perform(handle);
  transfer.out.close();
  if (code == CURLE_OK) {
    curl_off_t total = -1;
    curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
    transfer.report(static_cast<double>(total), true);
  } else if (show_progress) {
    std::fputs("\n", stderr);
  }
  CHASE_CHECK(code == CURLE_OK, "download_file: downloading {} failed after {} bytes: {}", url,
              transfer.bytes, error[0] != '\0' ? error : curl_easy_strerror(code));
  CHASE_CHECK(transfer.out.good(), "download_file: write error in {}", path.string());
  return {transfer.bytes, transfer.md5.hex_digest()};
}

}  // namespace chase::data

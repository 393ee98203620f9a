// MD5 (RFC 1321), only to check downloads against their published checksums:
// it is no defence against a hostile server, merely against a broken transfer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace chase::data {

class Md5 {
 public:
  Md5();
  void update(std::span<const std::byte> bytes);
  void update(std::string_view text) { update(std::as_bytes(std::span(text))); }
  // Finishes the digest: 32 lowercase hex digits. The object cannot be updated afterwards.
  std::string hex_digest();

 private:
  void process_block(const std::byte* block);

  std::array<std::uint32_t, 4> state_;
  std::array<std::byte, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

// The MD5 of a whole file; throws chase::Error naming the file when it cannot be read.
std::string md5_file(const std::filesystem::path& path);

}  // namespace chase::data

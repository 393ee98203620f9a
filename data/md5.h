// MD5 (RFC 1321) through OpenSSL's EVP digests, only to check downloads against
// their published checksums: it is no defence against a hostile server, merely
// against a broken transfer.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace chase::data {

class Md5 {
 public:
  Md5();  // throws chase::Error if OpenSSL cannot provide MD5
  void update(std::span<const std::byte> bytes);
  void update(std::string_view text) { update(std::as_bytes(std::span(text))); }
  // Finishes the digest: 32 lowercase hex digits. The object cannot be updated afterwards.
  std::string hex_digest();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> context_;
  bool finished_ = false;
};

// The MD5 of a whole file; throws chase::Error naming the file when it cannot be read.
std::string md5_file(const std::filesystem::path& path);

}  // namespace chase::data

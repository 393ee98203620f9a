#include "data/md5.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <vector>

#include "tensor/error.h"

namespace chase::data {

void Md5::FreeContext::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Md5::Md5() : context_(EVP_MD_CTX_new()) {
  CHASE_CHECK(context_ != nullptr && EVP_DigestInit_ex(context_.get(), EVP_md5(), nullptr) == 1,
              "md5: OpenSSL cannot provide an MD5 digest");
}

void Md5::update(std::span<const std::byte> bytes) {
  CHASE_CHECK(!finished_, "md5: update after hex_digest");
  CHASE_CHECK(EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) == 1,
              "md5: OpenSSL failed to digest {} bytes", bytes.size());
}

std::string Md5::hex_digest() {
  CHASE_CHECK(!finished_, "md5: hex_digest called twice");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHASE_CHECK(EVP_DigestFinal_ex(context_.get(), digest, &length) == 1 && length == 16,
              "md5: OpenSSL failed to finish the digest");
  finished_ = true;
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string md5_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  CHASE_CHECK(in.is_open(), "md5_file: cannot open {}", path.string());
  Md5 md5;
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    md5.update(std::as_bytes(std::span(chunk.data(), static_cast<std::size_t>(in.gcount()))));
  }
  CHASE_CHECK(in.eof(), "md5_file: read error in {}", path.string());
  return md5.hex_digest();
}

}  // namespace chase::data

// MD5 against the test suite of RFC 1321 (appendix A.5), split at block boundaries.
#include "data/md5.h"
#include "tests/data/data_test_util.h"

using namespace chase;
namespace fs = std::filesystem;
using chase::data::Md5;

namespace {

std::string md5_of(std::string_view text) {
  Md5 md5;
  md5.update(text);
  return md5.hex_digest();
}

}  // namespace

TEST_CASE("md5 matches the RFC 1321 test suite") {
  CHECK(md5_of("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_of("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(md5_of("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_of("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(md5_of("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(md5_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(md5_of("1234567890123456789012345678901234567890123456789012345678901234567890123456789"
               "0") == "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5 does not depend on how the input is split") {
  // Lengths around the 56-byte padding limit and the 64-byte block.
  for (std::size_t length : {55u, 56u, 63u, 64u, 65u, 200u}) {
    std::string text(length, '\0');
    for (std::size_t i = 0; i < length; ++i) text[i] = static_cast<char>(i * 7 + 1);
    auto whole = md5_of(text);
    for (std::size_t cut : {std::size_t{1}, length / 2, length - 1}) {
      Md5 md5;
      md5.update(std::string_view(text).substr(0, cut));
      md5.update(std::string_view(text).substr(cut));
      CHECK_MESSAGE(md5.hex_digest() == whole, "length " << length << " cut at " << cut);
    }
  }
}

TEST_CASE("md5 of a file; a finished digest cannot be extended") {
  test::TempDir dir;
  test::write_bytes(dir / "abc.txt", "abc");
  CHECK(data::md5_file(dir / "abc.txt") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK_THROWS_WITH_AS(data::md5_file(dir / "missing"), doctest::Contains("md5_file: cannot open"),
                       Error);
  Md5 md5;
  md5.hex_digest();
  CHECK_THROWS_AS(md5.update("more"), Error);
}

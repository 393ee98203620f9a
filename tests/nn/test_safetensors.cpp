// safetensors files: round trip, atomic writes, and clear errors on damage.
#include "nn/safetensors.h"

#include <filesystem>
#include <cstring>
#include <fstream>

#include "tests/test_util.h"

using namespace chase;
namespace fs = std::filesystem;

namespace {

std::string temp_path(const std::string& name) {
  auto dir = fs::temp_directory_path() / "chase_test_safetensors";
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("safetensors round-trips tensors of every dtype and the metadata") {
  auto path = temp_path("roundtrip.safetensors");
  TensorMap tensors{
      {"a.weight", test::random_tensor({3, 4}, 1)},
      {"b.bias", test::random_tensor({5}, 2, DType::f64)},
      {"step", Tensor::from_vector({42}, {1}, DType::i64)},
      {"scalar", Tensor::scalar(3.5)},
      {"view", test::random_tensor({4, 3}, 3).transpose(0, 1)},  // saved contiguous
  };
  save_safetensors(path, tensors, {{"epoch", "7"}});
  CHECK_FALSE(fs::exists(path + ".tmp"));

  auto file = load_safetensors(path);
  CHECK(file.metadata.at("epoch") == "7");
  REQUIRE(file.tensors.size() == tensors.size());
  for (const auto& [name, t] : tensors) {
    const auto& loaded = file.tensors.at(name);
    CHECK(loaded.dtype() == t.dtype());
    CHECK(loaded.shape() == t.shape());
    CHECK(loaded.to_vector() == t.to_vector());
  }
  // The header is followed by 8-byte aligned data.
  auto bytes = read_bytes(path);
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  CHECK(header_size % 8 == 0);
}

TEST_CASE("damaged safetensors files give errors naming the file and the problem") {
  auto path = temp_path("damaged.safetensors");
  save_safetensors(path, {{"w", test::random_tensor({16, 16}, 4)}});
  auto bytes = read_bytes(path);

  SUBCASE("truncated data") {
    write_bytes(path, bytes.substr(0, bytes.size() - 10));
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("(truncated)"), Error);
  }
  SUBCASE("truncated header") {
    write_bytes(path, bytes.substr(0, 20));
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("does not fit"), Error);
  }
  SUBCASE("empty file") {
    write_bytes(path, "");
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("truncated"), Error);
  }
  SUBCASE("header that is not JSON") {
    bytes[8] = '#';  // the opening brace
    write_bytes(path, bytes);
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("not valid JSON"), Error);
  }
  SUBCASE("missing file") {
    CHECK_THROWS_WITH_AS(load_safetensors(path + ".nope"),
                         doctest::Contains("cannot open"), Error);
  }
  SUBCASE("shape and offsets that disagree") {
    auto pos = bytes.find("[16,16]");
    REQUIRE(pos != std::string::npos);
    bytes.replace(pos, 7, "[16,15]");
    write_bytes(path, bytes);
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("needs 960 bytes"), Error);
  }
}

// Image files for chase predict (data/image_file.h): PNG and PGM read to the
// model's input shape, channels converted, sizes resampled; other formats and
// broken files refused with the file's name.
#include <doctest/doctest.h>
#include <png.h>
#include <unistd.h>  // getpid: a folder per process

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/image_file.h"
#include "tensor/error.h"

namespace chase::data {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir() {
  auto dir = fs::temp_directory_path() / ("chase_test_image_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_png(const fs::path& path, std::uint32_t width, std::uint32_t height, bool rgb,
               const std::vector<std::uint8_t>& pixels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = rgb ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  REQUIRE(png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr) != 0);
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::vector<float> scaled(const std::vector<int>& values, float max) {
  std::vector<float> out;
  for (int v : values) out.push_back(static_cast<float>(v) / max);
  return out;
}

TEST_CASE("image file: PNG in grey and RGB, at the model's size, read exactly") {
  const auto dir = fresh_dir();
  write_png(dir / "grey.png", 3, 2, false, {0, 51, 102, 153, 204, 255});
  CHECK(read_image_file(dir / "grey.png", {1, 2, 3}) == scaled({0, 51, 102, 153, 204, 255}, 255));
  // RGB, pixel-interleaved in the file, channels first in the result.
  write_png(dir / "rgb.png", 2, 1, true, {10, 20, 30, 40, 50, 60});
  CHECK(read_image_file(dir / "rgb.png", {3, 1, 2}) == scaled({10, 40, 20, 50, 30, 60}, 255));
  // Grey to RGB replicates the channel.
  CHECK(read_image_file(dir / "grey.png", {3, 2, 3}) ==
        scaled({0, 51, 102, 153, 204, 255, 0, 51, 102, 153, 204, 255, 0, 51, 102, 153, 204, 255},
               255));
  fs::remove_all(dir);
}

TEST_CASE("image file: PGM binary (8 and 16 bits) and text, with comments") {
  const auto dir = fresh_dir();
  write_bytes(dir / "a.pgm", std::string("P5\n# a comment\n2 2\n255\n") + '\0' + '\x40' + '\x80' +
                                 '\xff');
  CHECK(read_image_file(dir / "a.pgm", {1, 2, 2}) == scaled({0, 64, 128, 255}, 255));
  write_bytes(dir / "b.pgm", std::string("P5 2 1 65535\n") + '\x80' + '\x00' + '\xff' + '\xff');
  CHECK(read_image_file(dir / "b.pgm", {1, 1, 2}) == scaled({32768, 65535}, 65535));
  write_bytes(dir / "c.pgm", "P2\n3 1\n# max\n10\n0 5\n10\n");
  CHECK(read_image_file(dir / "c.pgm", {1, 1, 3}) == scaled({0, 5, 10}, 10));
  fs::remove_all(dir);
}

TEST_CASE("image file: another size is resampled bilinearly, pixel centres aligned") {
  const auto dir = fresh_dir();
  write_bytes(dir / "ramp.pgm", "P2 2 1 4 0 4\n");
  // Source x = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
  CHECK(read_image_file(dir / "ramp.pgm", {1, 1, 4}) == std::vector<float>{0, 0.25f, 0.75f, 1});
  write_png(dir / "flat.png", 5, 7, false, std::vector<std::uint8_t>(35, 51));
  for (float v : read_image_file(dir / "flat.png", {1, 28, 28})) CHECK(v == doctest::Approx(0.2));
  fs::remove_all(dir);
}

TEST_CASE("image file: other formats, broken and missing files are refused naming them") {
  const auto dir = fresh_dir();
  write_bytes(dir / "photo.jpg", "\xff\xd8\xff\xe0 JFIF");
  CHECK_THROWS_WITH_AS(read_image_file(dir / "photo.jpg", {1, 28, 28}),
                       doctest::Contains("photo.jpg: neither PNG nor PGM"), Error);
  write_bytes(dir / "short.pgm", "P5 4 4 255\nabc");
  CHECK_THROWS_WITH_AS(read_image_file(dir / "short.pgm", {1, 4, 4}),
                       doctest::Contains("short.pgm: truncated"), Error);
  write_bytes(dir / "bad.pgm", "P5 x 4 255\n");
  CHECK_THROWS_WITH_AS(read_image_file(dir / "bad.pgm", {1, 4, 4}),
                       doctest::Contains("expected the width"), Error);
  write_bytes(dir / "broken.png", std::string("\x89PNG\r\n\x1a\n", 8) + "garbage");
  CHECK_THROWS_WITH_AS(read_image_file(dir / "broken.png", {1, 4, 4}),
                       doctest::Contains("broken.png: not a readable PNG"), Error);
  CHECK_THROWS_WITH_AS(read_image_file(dir / "none.png", {1, 4, 4}),
                       doctest::Contains("none.png: cannot open it"), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chase::data

#include "data/image_file.h"

#include <fmt/format.h>
#include <png.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include "tensor/error.h"

namespace chase::data {

namespace {

// An image as read: `channels` interleaved values in [0, 1] per pixel.
struct Decoded {
  std::int64_t width = 0, height = 0, channels = 0;
  std::vector<float> values;  // [y][x][c]
};

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  CHASE_CHECK(file.good(), "image {}: cannot open it", path.string());
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

Decoded decode_png(const std::filesystem::path& path, const std::string& bytes,
                   std::int64_t channels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  CHASE_CHECK(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) != 0,
              "image {}: not a readable PNG ({})", path.string(), image.message);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  const bool ok = png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0;
  const std::string message = image.message;
  png_image_free(&image);
  CHASE_CHECK(ok, "image {}: PNG decoding failed ({})", path.string(), message);
  Decoded out{image.width, image.height, channels, {}};
  out.values.reserve(pixels.size());
  for (png_byte v : pixels) out.values.push_back(static_cast<float>(v) / 255.0f);
  return out;
}

// P5 (binary) or P2 (text): "P5 <width> <height> <maxval>" with # comments, one
// whitespace, then the samples (two bytes, big-endian, where maxval > 255).
Decoded decode_pgm(const std::filesystem::path& path, const std::string& bytes) {
  std::size_t at = 2;
  auto next_number = [&](const char* what) {
    for (;;) {
      while (at < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[at]))) ++at;
      if (at < bytes.size() && bytes[at] == '#') {
        while (at < bytes.size() && bytes[at] != '\n') ++at;
        continue;
      }
      break;
    }
    std::int64_t value = 0;
    std::size_t digits = 0;
    while (at < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[at])) &&
           digits < 9) {
      value = value * 10 + (bytes[at++] - '0');
      ++digits;
    }
    CHASE_CHECK(digits > 0, "image {}: PGM header: expected the {}", path.string(), what);
    return value;
  };
  const bool binary = bytes[1] == '5';
  Decoded out;
  out.channels = 1;
  out.width = next_number("width");
  out.height = next_number("height");
  const auto maxval = next_number("maximum value");
  CHASE_CHECK(out.width > 0 && out.height > 0 && maxval > 0 && maxval < 65536,
              "image {}: PGM header gives {}x{} with maximum {}", path.string(), out.width,
              out.height, maxval);
  const auto count = out.width * out.height;
  out.values.reserve(static_cast<std::size_t>(count));
  if (binary) {
    ++at;  // the single whitespace after maxval
    const std::int64_t sample_bytes = maxval > 255 ? 2 : 1;
    CHASE_CHECK(static_cast<std::int64_t>(bytes.size()) - static_cast<std::int64_t>(at) >=
                    count * sample_bytes,
                "image {}: truncated: {}x{} samples of {} byte(s) need {} bytes, {} are there",
                path.string(), out.width, out.height, sample_bytes, count * sample_bytes,
                bytes.size() - at);
    for (std::int64_t i = 0; i < count; ++i) {
      std::int64_t v = static_cast<unsigned char>(bytes[at++]);
      if (sample_bytes == 2) v = v * 256 + static_cast<unsigned char>(bytes[at++]);
      out.values.push_back(static_cast<float>(std::min(v, maxval)) / static_cast<float>(maxval));
    }
  } else {
    for (std::int64_t i = 0; i < count; ++i) {
      const auto v = next_number("samples (the file ends early)");
      out.values.push_back(static_cast<float>(std::min(v, maxval)) / static_cast<float>(maxval));
    }
  }
  return out;
}

// Bilinear resampling of channel c to height x width, pixel centres aligned.
float sample(const Decoded& image, std::int64_t c, double y, double x) {
  y = std::clamp(y, 0.0, static_cast<double>(image.height - 1));
  x = std::clamp(x, 0.0, static_cast<double>(image.width - 1));
  const auto y0 = static_cast<std::int64_t>(y), x0 = static_cast<std::int64_t>(x);
  const auto y1 = std::min(y0 + 1, image.height - 1), x1 = std::min(x0 + 1, image.width - 1);
  const double dy = y - static_cast<double>(y0), dx = x - static_cast<double>(x0);
  auto at = [&](std::int64_t yy, std::int64_t xx) {
    return static_cast<double>(
        image.values[static_cast<std::size_t>((yy * image.width + xx) * image.channels + c)]);
  };
  return static_cast<float>((1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x1)) +
                            dy * ((1 - dx) * at(y1, x0) + dx * at(y1, x1)));
}

}  // namespace

std::vector<float> read_image_file(const std::filesystem::path& path, ImageShape shape) {
  CHASE_CHECK(shape.channels == 1 || shape.channels == 3,
              "image {}: models take 1 or 3 channels, this one {}", path.string(), shape.channels);
  const std::string bytes = read_bytes(path);
  const bool png = bytes.size() >= 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
  const bool pgm = bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '2');
  CHASE_CHECK(png || pgm,
              "image {}: neither PNG nor PGM (P5/P2); chase predict reads only those formats",
              path.string());
  Decoded image = png ? decode_png(path, bytes, shape.channels) : decode_pgm(path, bytes);
  std::vector<float> out(static_cast<std::size_t>(shape.numel()));
  const double sy = static_cast<double>(image.height) / static_cast<double>(shape.height);
  const double sx = static_cast<double>(image.width) / static_cast<double>(shape.width);
  for (std::int64_t c = 0; c < shape.channels; ++c) {
    const std::int64_t source = image.channels == 1 ? 0 : c;  // grey to RGB: replicate
    for (std::int64_t y = 0; y < shape.height; ++y) {
      for (std::int64_t x = 0; x < shape.width; ++x) {
        out[static_cast<std::size_t>((c * shape.height + y) * shape.width + x)] =
            sample(image, source, (static_cast<double>(y) + 0.5) * sy - 0.5,
                   (static_cast<double>(x) + 0.5) * sx - 0.5);
      }
    }
  }
  return out;
}

}  // namespace chase::data

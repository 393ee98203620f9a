// One image file, read for prediction (chase predict IMAGE...): PNG through
// libpng, or PGM (binary P5 or text P2, 8 or 16 bits). The image is converted to
// the model's input shape: grey to RGB by replicating the channel, RGB to grey by
// libpng's luminance; another size by bilinear resampling with pixel
// centres aligned (align_corners = false). Values in [0, 1], channels first.
// Any other format, a truncated or malformed file, is refused naming the file
// and what was wrong.
#pragma once

#include <filesystem>
#include <vector>

#include "data/dataset.h"

namespace chase::data {

std::vector<float> read_image_file(const std::filesystem::path& path, ImageShape shape);

}  // namespace chase::data

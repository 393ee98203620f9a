// Shapes and strides: plain vectors of int64, with the few helpers every op needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chase {

using Shape = std::vector<std::int64_t>;

std::int64_t numel(const Shape& shape);
std::string to_string(const Shape& shape);  // "[2, 3, 4]"

// Row-major strides, in elements.
Shape contiguous_strides(const Shape& shape);

// Maps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
std::int64_t normalize_dim(std::int64_t dim, std::int64_t ndim, const char* op);

// NumPy broadcasting of two shapes; throws naming `op` when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace chase

#include "tensor/shape.h"

#include "tensor/error.h"

namespace chase {

std::int64_t numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::string to_string(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (auto i = std::ssize(shape) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

std::int64_t normalize_dim(std::int64_t dim, std::int64_t ndim, const char* op) {
  CHASE_CHECK(dim >= -ndim && dim < ndim,
              "{}: dim {} out of range for a tensor of {} dims", op, dim, ndim);
  return dim < 0 ? dim + ndim : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  auto n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    auto db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    CHASE_CHECK(da == db || da == 1 || db == 1,
                "{}: shapes {} and {} cannot be broadcast together", op,
                to_string(a), to_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace chase

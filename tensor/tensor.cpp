#include "tensor/tensor.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "tensor/kernels.h"

namespace chase {

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, std::int64_t offset,
               DType dtype, Device device)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      dtype_(dtype),
      device_(device) {}

Tensor Tensor::with_geometry(Shape shape, Shape strides, std::int64_t offset) const {
  return Tensor(storage_, std::move(shape), std::move(strides), offset, dtype_, device_);
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (auto s : shape)
    CHASE_CHECK(s >= 0, "Tensor::empty: negative size in shape {}", to_string(shape));
  auto bytes = static_cast<std::size_t>(chase::numel(shape)) * element_size(dtype);
  return Tensor(std::make_shared<Storage>(bytes, device), shape, contiguous_strides(shape), 0,
                dtype, device);
}

Tensor Tensor::from_vector(std::span<const double> values, const Shape& shape, DType dtype,
                           Device device) {
  CHASE_CHECK(std::ssize(values) == chase::numel(shape),
              "Tensor::from_vector: {} values for shape {} ({} elements)", values.size(),
              to_string(shape), chase::numel(shape));
  Tensor t = empty(shape, dtype);
  visit_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    std::transform(values.begin(), values.end(), t.data<T>(),
                   [](double v) { return static_cast<T>(v); });
  });
  return t.to(device);
}

Tensor Tensor::from_vector(std::initializer_list<double> values, const Shape& shape, DType dtype,
                           Device device) {
  return from_vector(std::span<const double>(values.begin(), values.size()), shape, dtype, device);
}

Tensor Tensor::scalar(double value, DType dtype, Device device) {
  return from_vector({value}, {}, dtype, device);
}

std::int64_t Tensor::size(std::int64_t d) const {
  return shape_[normalize_dim(d, dim(), "Tensor::size")];
}

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (auto i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;  // a size-1 dim's stride is never used
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

// ---- views ----------------------------------------------------------------------

namespace {

// Resolves a single -1 in `shape` so that it has `count` elements.
Shape infer_shape(Shape shape, std::int64_t count, const char* op, const Shape& from) {
  auto unknown = std::find(shape.begin(), shape.end(), -1);
  if (unknown != shape.end()) {
    std::int64_t known = 1;
    for (auto it = shape.begin(); it != shape.end(); ++it)
      if (it != unknown) known *= *it;
    CHASE_CHECK(known > 0 && count % known == 0, "{}: cannot view shape {} as {}", op,
                to_string(from), to_string(shape));
    *unknown = count / known;
  }
  CHASE_CHECK(numel(shape) == count, "{}: cannot view shape {} ({} elements) as {}", op,
              to_string(from), count, to_string(shape));
  return shape;
}

// Strides that present (shape, strides) as new_shape without copying, if any
// exist: each group of old dims that merges into new dims must be contiguous
// within itself. Returns nullopt otherwise.
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides,
                                  const Shape& new_shape) {
  Shape result(new_shape.size());
  if (numel(shape) == 0) return contiguous_strides(new_shape);
  std::int64_t old_i = 0, new_i = 0;
  const auto old_n = std::ssize(shape), new_n = std::ssize(new_shape);
  while (old_i < old_n || new_i < new_n) {
    // Skip size-1 dims on either side; they take any stride.
    if (new_i < new_n && new_shape[new_i] == 1) {
      result[new_i] = 1;
      ++new_i;
      continue;
    }
    if (old_i < old_n && shape[old_i] == 1) {
      ++old_i;
      continue;
    }
    if (old_i >= old_n || new_i >= new_n) return std::nullopt;
    // Take old dims until their product covers the next new dims' product.
    std::int64_t old_count = shape[old_i], new_count = new_shape[new_i];
    auto old_end = old_i + 1, new_end = new_i + 1;
    while (old_count != new_count) {
      if (old_count < new_count) {
        if (old_end >= old_n) return std::nullopt;
        old_count *= shape[old_end++];
      } else {
        if (new_end >= new_n) return std::nullopt;
        new_count *= new_shape[new_end++];
      }
    }
    // The old group must be contiguous within itself.
    std::int64_t last = -1, stride = 1;
    for (auto k = old_end - 1; k >= old_i; --k) {
      if (shape[k] == 1) continue;
      if (last < 0) stride = strides[k];  // the group's innermost stride
      else if (strides[k] != strides[last] * shape[last]) return std::nullopt;
      last = k;
    }
    for (auto k = new_end - 1; k >= new_i; --k) {
      result[k] = stride;
      stride *= new_shape[k];
    }
    old_i = old_end;
    new_i = new_end;
  }
  return result;
}

}  // namespace

Tensor Tensor::view(Shape shape) const {
  shape = infer_shape(std::move(shape), numel(), "view", shape_);
  auto strides = view_strides(shape_, strides_, shape);
  CHASE_CHECK(strides.has_value(),
              "view: shape {} with strides {} cannot be viewed as {} without a copy "
              "(use reshape)",
              to_string(shape_), to_string(strides_), to_string(shape));
  return with_geometry(std::move(shape), std::move(*strides), offset_);
}

Tensor Tensor::reshape(Shape shape) const {
  shape = infer_shape(std::move(shape), numel(), "reshape", shape_);
  if (auto strides = view_strides(shape_, strides_, shape))
    return with_geometry(std::move(shape), std::move(*strides), offset_);
  return contiguous().view(std::move(shape));
}

Tensor Tensor::flatten(std::int64_t start, std::int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = normalize_dim(start, dim(), "flatten");
  end = normalize_dim(end, dim(), "flatten");
  CHASE_CHECK(start <= end, "flatten: start dim {} after end dim {}", start, end);
  Shape shape(shape_.begin(), shape_.begin() + start);
  std::int64_t merged = 1;
  for (auto i = start; i <= end; ++i) merged *= shape_[i];
  shape.push_back(merged);
  shape.insert(shape.end(), shape_.begin() + end + 1, shape_.end());
  return reshape(std::move(shape));
}

Tensor Tensor::permute(const std::vector<std::int64_t>& order) const {
  CHASE_CHECK(std::ssize(order) == dim(), "permute: order {} has {} dims, tensor {} has {}",
              to_string(order), order.size(), to_string(shape_), dim());
  Shape shape(order.size()), strides(order.size());
  std::vector<bool> seen(order.size(), false);
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto d = normalize_dim(order[i], dim(), "permute");
    CHASE_CHECK(!seen[d], "permute: dim {} repeated in order {}", d, to_string(order));
    seen[d] = true;
    shape[i] = shape_[d];
    strides[i] = strides_[d];
  }
  return with_geometry(std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  std::vector<std::int64_t> order(dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_dim(d0, dim(), "transpose")],
            order[normalize_dim(d1, dim(), "transpose")]);
  return permute(order);
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  d = normalize_dim(d, dim(), "narrow");
  CHASE_CHECK(start >= 0 && length >= 0 && start + length <= shape_[d],
              "narrow: range [{}, {}) out of bounds for dim {} of size {}", start,
              start + length, d, shape_[d]);
  Shape shape = shape_;
  shape[d] = length;
  return with_geometry(std::move(shape), strides_, offset_ + start * strides_[d]);
}

Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t end,
                     std::int64_t step) const {
  d = normalize_dim(d, dim(), "slice");
  CHASE_CHECK(step > 0, "slice: step must be positive, got {}", step);
  auto clampi = [&](std::int64_t i) {
    if (i < 0) i += shape_[d];
    return std::clamp<std::int64_t>(i, 0, shape_[d]);
  };
  start = clampi(start);
  end = std::max(clampi(end), start);
  Shape shape = shape_, strides = strides_;
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  return with_geometry(std::move(shape), std::move(strides), offset_ + start * strides_[d]);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  d = normalize_dim(d, dim(), "select");
  CHASE_CHECK(index >= -shape_[d] && index < shape_[d],
              "select: index {} out of range for dim {} of size {}", index, d, shape_[d]);
  if (index < 0) index += shape_[d];
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return with_geometry(std::move(shape), std::move(strides), offset_ + index * strides_[d]);
}

Tensor Tensor::expand(const Shape& shape) const {
  CHASE_CHECK(std::ssize(shape) >= dim(), "expand: cannot expand {} to fewer dims {}",
              to_string(shape_), to_string(shape));
  auto lead = std::ssize(shape) - dim();
  Shape strides(shape.size(), 0);
  for (auto i = 0; i < dim(); ++i) {
    auto target = shape[lead + i];
    if (shape_[i] == target) {
      strides[lead + i] = strides_[i];
    } else {
      CHASE_CHECK(shape_[i] == 1, "expand: cannot expand {} to {} (dim {} is {}, not 1)",
                  to_string(shape_), to_string(shape), i, shape_[i]);
    }
  }
  return with_geometry(shape, std::move(strides), offset_);
}

Tensor Tensor::squeeze(std::int64_t d) const {
  d = normalize_dim(d, dim(), "squeeze");
  CHASE_CHECK(shape_[d] == 1, "squeeze: dim {} of {} has size {}, not 1", d, to_string(shape_),
              shape_[d]);
  return select(d, 0);
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
  d = normalize_dim(d, dim() + 1, "unsqueeze");
  Shape shape = shape_, strides = strides_;
  auto stride = d < dim() ? strides_[d] * shape_[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return with_geometry(std::move(shape), std::move(strides), offset_);
}

// ---- copies ----------------------------------------------------------------------

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_, device_);
  kernels_for(device_).copy(out, *this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype, device_);
  kernels_for(device_).copy(out, *this);
  return out;
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  // Cross-device copies are the device backend's job: it sees one CPU side.
  Tensor out = empty(shape_, dtype_, device);
  kernels_for(device.is_cpu() ? device_ : device).copy(out, *this);
  return out;
}

double Tensor::item() const {
  CHASE_CHECK(numel() == 1, "item: tensor of shape {} has {} elements, expected 1",
              to_string(shape_), numel());
  return to_vector()[0];
}

std::vector<double> Tensor::to_vector() const {
  Tensor host = to(Device::cpu()).contiguous();
  std::vector<double> values(host.numel());
  visit_dtype(dtype_, [&](auto zero) {
    using T = decltype(zero);
    const T* p = host.data<T>();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(p[i]);
  });
  return values;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor (undefined)";
  return fmt::format("Tensor {} {} {}", name(dtype_), device_.str(), to_string(shape_));
}

}  // namespace chase

// Creation ops: constant fills, ranges, seeded random tensors, initialisers.
#include <cmath>

#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace chase {

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  fill_(t, value);
  return t;
}

Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}

Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype(), t.device()); }

Tensor arange(double start, double end, double step, DType dtype, Device device) {
  CHASE_CHECK(step != 0.0, "arange: step must be non-zero");
  auto count = static_cast<std::int64_t>(std::ceil((end - start) / step));
  Tensor t = Tensor::empty({std::max<std::int64_t>(count, 0)}, dtype, device);
  kernels_for(device).arange(t, start, step);
  return t;
}

void fill_(const Tensor& dst, double value) {
  CHASE_CHECK(dst.defined(), "fill_: undefined tensor");
  kernels_for(dst.device()).fill(dst, value);
}

void copy_(const Tensor& dst, const Tensor& src) {
  CHASE_CHECK(dst.defined() && src.defined(), "copy_: undefined tensor");
  auto shape = broadcast_shapes(dst.shape(), src.shape(), "copy_");
  CHASE_CHECK(shape == dst.shape(), "copy_: source of shape {} does not broadcast to {}",
              to_string(src.shape()), to_string(dst.shape()));
  Tensor source = src.expand(dst.shape());
  // A cross-device copy is done by the non-CPU side's kernels.
  kernels_for(dst.device().is_cpu() ? src.device() : dst.device()).copy(dst, source);
}

namespace {

// Random kernels fill contiguous memory; a strided destination gets a
// contiguous draw copied in, so the numbers do not depend on the layout.
template <class Draw>
void random_fill(const Tensor& dst, const char* op, Generator& gen, Draw draw) {
  CHASE_CHECK(is_floating(dst.dtype()), "{}: needs a floating dtype, got {}", op,
              name(dst.dtype()));
  auto first = gen.advance(static_cast<std::uint64_t>(dst.numel()));
  if (dst.is_contiguous()) {
    draw(dst, first);
  } else {
    Tensor tmp = Tensor::empty(dst.shape(), dst.dtype(), dst.device());
    draw(tmp, first);
    copy_(dst, tmp);
  }
}

}  // namespace

void uniform_(const Tensor& dst, double low, double high, Generator& gen) {
  random_fill(dst, "uniform_", gen, [&](const Tensor& t, std::uint64_t first) {
    kernels_for(t.device()).uniform(t, low, high, gen.seed(), first);
  });
}

void normal_(const Tensor& dst, double mean, double stddev, Generator& gen) {
  random_fill(dst, "normal_", gen, [&](const Tensor& t, std::uint64_t first) {
    kernels_for(t.device()).normal(t, mean, stddev, gen.seed(), first);
  });
}

Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype,
               Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  uniform_(t, low, high, gen);
  return t;
}

Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen, DType dtype,
              Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  normal_(t, mean, stddev, gen);
  return t;
}

std::int64_t fan_in(const Tensor& weight) {
  CHASE_CHECK(weight.dim() >= 2, "fan_in: weight needs at least 2 dims, got shape {}",
              to_string(weight.shape()));
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < weight.dim(); ++d) receptive *= weight.size(d);
  return weight.size(1) * receptive;
}

void kaiming_normal_(const Tensor& weight, Generator& gen, double gain) {
  normal_(weight, 0.0, gain / std::sqrt(static_cast<double>(fan_in(weight))), gen);
}

void kaiming_uniform_(const Tensor& weight, Generator& gen, double gain) {
  // A uniform on [-b, b] has std b / sqrt(3).
  double bound = gain * std::sqrt(3.0 / static_cast<double>(fan_in(weight)));
  uniform_(weight, -bound, bound, gen);
}

}  // namespace chase

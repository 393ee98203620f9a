// Depthwise 3x3 "same" convolutions on NCHW f32 (see depthwise3x3.h).
//
// Each pass walks planes top to bottom in vectors of eight lanes: eight
// columns of one row, or, for planes at most four wide, four columns of the
// same row of one channel in two consecutive images (a lane per column would
// leave half of them idle on the 4x4 planes CHASE ends with). Each input row under the
// lanes is loaded once, as three vectors shifted by one column: row r shifted
// by kx - 1 meets kernel row ky in output row r + 1 - ky. So the forward pass
// keeps the partial sums of three output rows in registers and completes one
// per input row, and the weight gradient keeps three rows of the output
// gradient and the nine tap sums. Three loads feed nine multiply-adds; a
// load per tap and position measured twice as slow (loads, not arithmetic,
// bound these loops).
//
// Lanes outside their plane (column -1, column W, columns past W) are
// cleared with bit masks, not multiplied by zero, so a neighbour's inf or NaN
// stays out. Those reads touch neighbouring rows or planes, inside the tensor
// except near its two ends, where a plane is first copied into a
// zero-bordered buffer.
//
// The input gradient is the same correlation on the output gradient with the
// kernel flipped in both axes.
//
// Summation order is fixed by the shapes alone: each output element adds its
// kernel rows top to bottom; each weight-gradient tap is summed by one thread,
// per lane over images, column groups and rows, then over lanes. Results do
// not depend on the number of threads.
#include "tensor/cpu/dnnl/depthwise3x3.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace chase {
namespace {

constexpr std::int64_t kTaps = 9;
constexpr std::int64_t kLanes = 8;
constexpr std::int64_t kHalf = kLanes / 2;
// Eight f32 lanes: one AVX2 register under the project's x86-64-v3 baseline.
// Memory is accessed through typed pointers that allow any alignment.
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
using LaneBits = std::int32_t __attribute__((vector_size(kLanes * sizeof(float))));
using HalfLanes = float __attribute__((vector_size(kHalf * sizeof(float))));
using UnalignedLanes = float __attribute__((vector_size(kLanes * sizeof(float)), aligned(4)));
using UnalignedHalf = float __attribute__((vector_size(kHalf * sizeof(float)), aligned(4)));

Lanes load(const float* p) { return *reinterpret_cast<const UnalignedLanes*>(p); }

Lanes load_halves(const float* low, const float* high) {
  return __builtin_shufflevector(*reinterpret_cast<const UnalignedHalf*>(low),
                                 *reinterpret_cast<const UnalignedHalf*>(high), 0, 1, 2, 3, 4, 5,
                                 6, 7);
}

// Stores the first n lanes of v; the others would overwrite the next row.
// The partial case stays out of line: indexing lanes would otherwise send
// every vector through memory.
template <class Vector>
[[gnu::noinline]] void store_partial(float* p, Vector v, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) p[i] = v[i];
}

void store(float* p, const Lanes& v, std::int64_t n) {
  if (n == kLanes)
    *reinterpret_cast<UnalignedLanes*>(p) = v;
  else
    store_partial(p, v, n);
}

void store(float* p, const HalfLanes& v, std::int64_t n) {
  if (n == kHalf)
    *reinterpret_cast<UnalignedHalf*>(p) = v;
  else
    store_partial(p, v, n);
}

// The lanes of v where mask is set, zero elsewhere.
Lanes masked(const Lanes& v, const LaneBits& mask) {
  return reinterpret_cast<Lanes>(reinterpret_cast<LaneBits>(v) & mask);
}

// Below this many multiply-adds a call runs on one thread: starting the
// second costs more than it saves.
constexpr std::int64_t kParallelWork = 32768;

// For each lane's column c in a row of width w: where columns c - 1, c and
// c + 1 lie inside the row, for the lanes whose own column does.
struct ColumnMasks {
  LaneBits left, center, right;

  ColumnMasks(const LaneBits& column, std::int64_t w) {
    const auto width = static_cast<std::int32_t>(w);
    center = column < width;
    left = center & (column >= 1);
    right = center & (column + 1 < width);
  }
};

// The lanes of a row-by-row walk: columns c0 .. c0 + 7 of one plane.
struct OnePlane {
  const float* in;
  float* out;  // null for walks that only read
  std::int64_t w, c0, columns;
  ColumnMasks masks;

  OnePlane(const float* in, float* out, std::int64_t w, std::int64_t c0)
      : in(in), out(out), w(w), c0(c0), columns(std::min(kLanes, w - c0)),
        masks(LaneBits{0, 1, 2, 3, 4, 5, 6, 7} + static_cast<std::int32_t>(c0), w) {}

  bool full() const { return columns == kLanes; }
  Lanes row(std::int64_t r, std::int64_t shift) const { return load(in + r * w + c0 + shift); }
  void store_row(std::int64_t r, const Lanes& v) const { store(out + r * w + c0, v, columns); }
};

// The lanes of a row-by-row walk: columns 0 .. 3 of two planes (w <= 4).
struct TwoPlanes {
  const float *in_low, *in_high;
  float *out_low, *out_high;
  std::int64_t w;
  ColumnMasks masks;

  TwoPlanes(const float* in_low, const float* in_high, float* out_low, float* out_high,
            std::int64_t w)
      : in_low(in_low), in_high(in_high), out_low(out_low), out_high(out_high), w(w),
        masks(LaneBits{0, 1, 2, 3, 0, 1, 2, 3}, w) {}

  bool full() const { return w == kHalf; }
  Lanes row(std::int64_t r, std::int64_t shift) const {
    return load_halves(in_low + r * w + shift, in_high + r * w + shift);
  }
  void store_row(std::int64_t r, const Lanes& v) const {
    store(out_low + r * w, __builtin_shufflevector(v, v, 0, 1, 2, 3), w);
    store(out_high + r * w, __builtin_shufflevector(v, v, 4, 5, 6, 7), w);
  }
};

// Input row r under the lanes, shifted by kx - 1 = -1, 0, +1 columns. Lanes
// past the row's end (none when the walk is full) keep what they read unless
// kClearPastEnd: the correlation never stores them, the weight gradient would
// add them up.
template <bool kClearPastEnd, class Walk>
std::array<Lanes, 3> row_window(const Walk& walk, std::int64_t r) {
  const Lanes center = walk.row(r, 0);
  return {masked(walk.row(r, -1), walk.masks.left),
          kClearPastEnd ? masked(center, walk.masks.center) : center,
          masked(walk.row(r, 1), walk.masks.right)};
}

// Lanes per kernel tap, [ky][kx]: a kernel (each tap in every lane) or the
// partial sums of a weight gradient.
using TapLanes = std::array<std::array<Lanes, 3>, 3>;

TapLanes kernel_of(const float* taps, bool flipped) {
  TapLanes k;
  for (std::int64_t t = 0; t < kTaps; ++t)
    k[t / 3][t % 3] = Lanes{} + taps[flipped ? kTaps - 1 - t : t];
  return k;
}

Lanes add_row(Lanes sum, const std::array<Lanes, 3>& k, const std::array<Lanes, 3>& x) {
  for (std::int64_t kx = 0; kx < 3; ++kx) sum += k[kx] * x[kx];
  return sum;
}

// out = start + the correlation of the walk's h rows, zero-padded by one, with k.
template <class Walk>
void correlate(const Walk& walk, const TapLanes& k, const Lanes& start, std::int64_t h) {
  // Partial sums of output rows r - 1 and r when input row r comes in.
  Lanes above{}, here = start;
  for (std::int64_t r = 0; r < h; ++r) {
    const auto x = row_window<false>(walk, r);
    const Lanes below = add_row(start, k[0], x);
    here = add_row(here, k[1], x);
    above = add_row(above, k[2], x);
    if (r > 0) walk.store_row(r - 1, above);
    above = here;
    here = below;
  }
  walk.store_row(h - 1, above);
}

// sums[ky][kx] += sum over rows of grad[r + 1 - ky] * x[r] shifted by kx - 1.
// kPastEnd: whether lanes lie past the row's end, to be cleared.
template <bool kPastEnd, class Walk>
void add_weight_grad_rows(TapLanes& sums, const Walk& x, const Walk& grad, std::int64_t h) {
  const auto grad_row = [&](std::int64_t r) {
    if (r == h) return Lanes{};
    return kPastEnd ? masked(grad.row(r, 0), grad.masks.center) : grad.row(r, 0);
  };
  Lanes above{}, here = grad_row(0);
  for (std::int64_t r = 0; r < h; ++r) {
    const Lanes below = grad_row(r + 1);
    const auto window = row_window<kPastEnd>(x, r);
    for (std::int64_t kx = 0; kx < 3; ++kx) {
      sums[0][kx] += below * window[kx];
      sums[1][kx] += here * window[kx];
      sums[2][kx] += above * window[kx];
    }
    above = here;
    here = below;
  }
}

// Clearing lanes costs a register, which a full walk does without.
template <class Walk>
void add_weight_grad(TapLanes& sums, const Walk& x, const Walk& grad, std::int64_t h) {
  if (x.full())
    add_weight_grad_rows<false>(sums, x, grad, h);
  else
    add_weight_grad_rows<true>(sums, x, grad, h);
}

struct PlaneDims {
  std::int64_t batch, channels, h, w;
  explicit PlaneDims(const Shape& s) : batch(s[0]), channels(s[1]), h(s[2]), w(s[3]) {}
  std::int64_t size() const { return h * w; }
  std::int64_t planes() const { return batch * channels; }
  bool narrow() const { return w <= kHalf; }
};

// Reads a tensor's planes in place where the walks' reads (one float before a
// plane, kLanes after it) stay inside the tensor; near its ends, from a copy
// with zeros around it. A missing plane (past the last) reads as zeros.
class PlaneReader {
 public:
  PlaneReader(const Tensor& t, std::int64_t plane_size)
      : begin_(t.data<float>()), end_(begin_ + t.numel()), plane_size_(plane_size),
        planes_(t.numel() / plane_size) {}

  const float* plane(std::int64_t index) {
    const float* p = begin_ + index * plane_size_;
    if (index < planes_ && p - 1 >= begin_ && p + plane_size_ + kLanes <= end_) return p;
    copy_.assign(1 + plane_size_ + kLanes, 0.0f);
    if (index < planes_) std::copy_n(p, plane_size_, copy_.data() + 1);
    return copy_.data() + 1;
  }

 private:
  const float *begin_, *end_;
  std::int64_t plane_size_, planes_;
  std::vector<float> copy_;
};

// out = bias + in (*) kernel for every plane; kernels [C, 1, 3, 3]. Narrow
// planes go in pairs of consecutive images of a channel (an odd last image
// with a zero plane, whose output is discarded).
void correlate_planes(const Tensor& out, const Tensor& in, const Tensor& w, const Tensor& bias,
                      bool flipped) {
  const PlaneDims d(in.shape());
  const float* pw = w.data<float>();
  const float* pbias = bias.defined() ? bias.data<float>() : nullptr;
  float* pout = out.data<float>();
  const auto images_per_step = d.narrow() ? 2 : 1;
  const auto steps = (d.batch + images_per_step - 1) / images_per_step;
#pragma omp parallel if (out.numel() * kTaps > kParallelWork)
  {
    PlaneReader low(in, d.size()), high(in, d.size());
    std::vector<float> discarded(d.narrow() ? d.size() : 0);
    TapLanes k{};
    Lanes start{};
    std::int64_t kernel_channel = -1;
#pragma omp for collapse(2) schedule(static)
    for (std::int64_t c = 0; c < d.channels; ++c) {
      for (std::int64_t step = 0; step < steps; ++step) {
        if (c != kernel_channel) {  // a thread's steps run channel by channel
          k = kernel_of(pw + c * kTaps, flipped);
          start = Lanes{} + (pbias ? pbias[c] : 0.0f);
          kernel_channel = c;
        }
        const auto n = step * images_per_step;
        const auto a = n * d.channels + c;
        if (d.narrow()) {
          const bool has_b = n + 1 < d.batch;
          const auto b = has_b ? a + d.channels : d.planes();  // past the end: zeros
          correlate(TwoPlanes(low.plane(a), high.plane(b), pout + a * d.size(),
                              has_b ? pout + b * d.size() : discarded.data(), d.w),
                    k, start, d.h);
        } else {
          const float* plane = low.plane(a);
          for (std::int64_t c0 = 0; c0 < d.w; c0 += kLanes)
            correlate(OnePlane(plane, pout + a * d.size(), d.w, c0), k, start, d.h);
        }
      }
    }
  }
}

}  // namespace

bool is_depthwise3x3_same(const Shape& x, const Shape& w, const Conv2dOptions& options) {
  const Pair one{1, 1};
  return options.groups == x[1] && w[0] == x[1] && w[1] == 1 && w[2] == 3 && w[3] == 3 &&
         options.stride == one && options.padding == one && options.dilation == one;
}

void depthwise3x3_forward(const Tensor& out, const Tensor& x, const Tensor& w,
                          const Tensor& bias) {
  correlate_planes(out, x, w, bias, false);
}

void depthwise3x3_backward_input(const Tensor& grad_x, const Tensor& grad_out, const Tensor& w) {
  correlate_planes(grad_x, grad_out, w, Tensor(), true);
}

void depthwise3x3_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                  const Tensor& x) {
  const PlaneDims d(x.shape());
  float* pgrad_w = grad_w.data<float>();
#pragma omp parallel if (grad_out.numel() * kTaps > kParallelWork)
  {
    PlaneReader x_low(x, d.size()), x_high(x, d.size());
    PlaneReader grad_low(grad_out, d.size()), grad_high(grad_out, d.size());
#pragma omp for schedule(static)
    for (std::int64_t c = 0; c < d.channels; ++c) {
      TapLanes sums{};
      const auto plane_of = [&](std::int64_t n) {
        // Past the last image: a plane index past the tensor, read as zeros.
        return n < d.batch ? n * d.channels + c : d.planes();
      };
      if (d.narrow()) {
        for (std::int64_t n = 0; n < d.batch; n += 2) {
          const auto a = plane_of(n), b = plane_of(n + 1);
          add_weight_grad(sums, TwoPlanes(x_low.plane(a), x_high.plane(b), nullptr, nullptr, d.w),
                          TwoPlanes(grad_low.plane(a), grad_high.plane(b), nullptr, nullptr, d.w),
                          d.h);
        }
      } else {
        for (std::int64_t n = 0; n < d.batch; ++n) {
          const float* x_plane = x_low.plane(plane_of(n));
          const float* grad_plane = grad_low.plane(plane_of(n));
          for (std::int64_t c0 = 0; c0 < d.w; c0 += kLanes)
            add_weight_grad(sums, OnePlane(x_plane, nullptr, d.w, c0),
                            OnePlane(grad_plane, nullptr, d.w, c0), d.h);
        }
      }
      for (std::int64_t t = 0; t < kTaps; ++t) {
        float total = 0.0f;
        for (std::int64_t lane = 0; lane < kLanes; ++lane) total += sums[t / 3][t % 3][lane];
        pgrad_w[c * kTaps + t] = total;
      }
    }
  }
}

}  // namespace chase

// The windows of 2-d pooling, written once for both backends (cpu/ref/pool.cpp
// and cuda/pool.cu): which input rows and columns an output reads, what an
// average divides by, and the two scans over a window (its sum and its max).
#pragma once

#include <cstdint>

#include "tensor/host_device.h"
#include "tensor/options.h"
#include "tensor/scalar_math.h"
#include "tensor/tensor.h"

namespace chase::pooling {

// Planes and their sizes, for x [N, C, H, W] pooled to out [N, C, Ho, Wo].
struct PoolGeometry {
  std::int64_t planes, in_h, in_w, out_h, out_w;
  CHASE_HOST_DEVICE std::int64_t in_plane() const { return in_h * in_w; }
  CHASE_HOST_DEVICE std::int64_t out_plane() const { return out_h * out_w; }
};

inline PoolGeometry pool_geometry(const Tensor& x, const Tensor& out) {
  return {x.size(0) * x.size(1), x.size(2), x.size(3), out.size(2), out.size(3)};
}

// The input rows [h_begin, h_end) and columns [w_begin, w_end) of one window,
// clipped to the input, and the count an average divides by.
struct Window {
  std::int64_t h_begin, h_end, w_begin, w_end;
  double divisor;
};

// The fixed windows of max/avg pooling. A window may hang over the padding
// (output sizes are rounded down, so never beyond it); count_include_pad
// divides by the full kernel area as PyTorch does, otherwise by the number of
// real input elements. (Plain numbers rather than Pool2dOptions' std::arrays,
// whose operator[] the GPU cannot call.)
struct FixedWindows {
  std::int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  bool count_include_pad;

  CHASE_HOST_DEVICE Window operator()(std::int64_t oh, std::int64_t ow,
                                      const PoolGeometry& g) const {
    const std::int64_t h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
    const std::int64_t h1 = h0 + kernel_h, w1 = w0 + kernel_w;
    Window win{h0 > 0 ? h0 : 0, h1 < g.in_h ? h1 : g.in_h, w0 > 0 ? w0 : 0,
               w1 < g.in_w ? w1 : g.in_w, 0.0};
    win.divisor = static_cast<double>(count_include_pad
                                          ? kernel_h * kernel_w
                                          : (win.h_end - win.h_begin) * (win.w_end - win.w_begin));
    return win;
  }
};

inline FixedWindows fixed_windows(const Pool2dOptions& o) {
  return {o.kernel[0],  o.kernel[1],  o.stride[0],        o.stride[1],
          o.padding[0], o.padding[1], o.count_include_pad};
}

// Adaptive bin i of `out` bins over `in` positions: [floor(i*in/out), ceil((i+1)*in/out)).
CHASE_HOST_DEVICE inline std::int64_t bin_begin(std::int64_t i, std::int64_t in,
                                                std::int64_t out) {
  return i * in / out;
}
CHASE_HOST_DEVICE inline std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

struct AdaptiveWindows {
  CHASE_HOST_DEVICE Window operator()(std::int64_t oh, std::int64_t ow,
                                      const PoolGeometry& g) const {
    Window win{bin_begin(oh, g.in_h, g.out_h), bin_end(oh, g.in_h, g.out_h),
               bin_begin(ow, g.in_w, g.out_w), bin_end(ow, g.in_w, g.out_w), 0.0};
    win.divisor = static_cast<double>((win.h_end - win.h_begin) * (win.w_end - win.w_begin));
    return win;
  }
};

// The sum of a window of x_plane (rows of in_w elements), accumulated in double.
template <class T>
CHASE_HOST_DEVICE double window_sum(const T* x_plane, const Window& win, std::int64_t in_w) {
  double sum = 0.0;
  for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih)
    for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) sum += x_plane[ih * in_w + iw];
  return sum;
}

template <class T>
struct WindowMax {
  T value;
  std::int64_t index;  // ih * in_w + iw within the plane
};

// The maximum of a window and its position. Padding acts as -inf: it never
// wins, and every window holds at least one input element because the op
// limits padding to half the kernel. NaN wins over any number, so a NaN
// input propagates (as in PyTorch).
template <class T>
CHASE_HOST_DEVICE WindowMax<T> window_max(const T* x_plane, const Window& win, std::int64_t in_w) {
  WindowMax<T> best{x_plane[win.h_begin * in_w + win.w_begin], win.h_begin * in_w + win.w_begin};
  for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih) {
    for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) {
      const T v = x_plane[ih * in_w + iw];
      if (v > best.value || scalar::is_nan(v)) best = {v, ih * in_w + iw};
    }
  }
  return best;
}

}  // namespace chase::pooling

// 2-d pooling over contiguous NCHW tensors, one (n, c) plane per loop iteration:
// planes are independent, so threads never write the same memory (the backward
// passes scatter into the gradient plane of the plane they own). Window sums are
// accumulated in double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {
namespace {

// Planes and their sizes, for x [N, C, H, W] pooled to out [N, C, Ho, Wo].
struct PoolGeometry {
  std::int64_t planes, in_h, in_w, out_h, out_w;

  PoolGeometry(const Tensor& x, const Tensor& out)
      : planes(x.size(0) * x.size(1)), in_h(x.size(2)), in_w(x.size(3)),
        out_h(out.size(2)), out_w(out.size(3)) {}

  std::int64_t in_plane() const { return in_h * in_w; }
  std::int64_t out_plane() const { return out_h * out_w; }
  bool worth_threads() const { return planes * in_plane() > 32768; }
};

// The input rows [h_begin, h_end) and columns [w_begin, w_end) of one window,
// clipped to the input, and the count an average divides by.
struct Window {
  std::int64_t h_begin, h_end, w_begin, w_end;
  double divisor;
};

// A window may hang over the padding (output sizes are rounded down, so never
// beyond it); count_include_pad divides by the full kernel area as PyTorch
// does, otherwise by the number of real input elements.
Window pool_window(std::int64_t oh, std::int64_t ow, const PoolGeometry& g,
                   const Pool2dOptions& options) {
  const auto h0 = oh * options.stride[0] - options.padding[0];
  const auto w0 = ow * options.stride[1] - options.padding[1];
  Window win{std::max<std::int64_t>(h0, 0), std::min(h0 + options.kernel[0], g.in_h),
             std::max<std::int64_t>(w0, 0), std::min(w0 + options.kernel[1], g.in_w), 0.0};
  win.divisor = static_cast<double>(
      options.count_include_pad ? options.kernel[0] * options.kernel[1]
                                : (win.h_end - win.h_begin) * (win.w_end - win.w_begin));
  return win;
}

// Adaptive pooling bin i of `out` bins over `in` positions: [floor(i*in/out), ceil((i+1)*in/out)).
std::int64_t bin_begin(std::int64_t i, std::int64_t in, std::int64_t out) { return i * in / out; }
std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

Window adaptive_window(std::int64_t oh, std::int64_t ow, const PoolGeometry& g) {
  Window win{bin_begin(oh, g.in_h, g.out_h), bin_end(oh, g.in_h, g.out_h),
             bin_begin(ow, g.in_w, g.out_w), bin_end(ow, g.in_w, g.out_w), 0.0};
  win.divisor = static_cast<double>((win.h_end - win.h_begin) * (win.w_end - win.w_begin));
  return win;
}

// out[o] = mean over window(o) of x, plane by plane.
template <class WindowOf>
void average_pool(const Tensor& out, const Tensor& x, WindowOf window_of) {
  const PoolGeometry g(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (g.worth_threads())
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      const T* x_plane = px + plane * g.in_plane();
      T* out_plane = po + plane * g.out_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_of(oh, ow, g);
          double sum = 0.0;
          for (auto ih = win.h_begin; ih < win.h_end; ++ih)
            for (auto iw = win.w_begin; iw < win.w_end; ++iw) sum += x_plane[ih * g.in_w + iw];
          out_plane[oh * g.out_w + ow] = static_cast<T>(sum / win.divisor);
        }
      }
    }
  });
}

// The adjoint of average_pool: each output gradient is shared equally among
// the inputs of its window (windows may overlap, so contributions add up).
template <class WindowOf>
void average_pool_backward(const Tensor& grad_x, const Tensor& grad_out, WindowOf window_of) {
  const PoolGeometry g(grad_x, grad_out);
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    T* pgx = grad_x.data<T>();
#pragma omp parallel for schedule(static) if (g.worth_threads())
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      const T* g_plane = pg + plane * g.out_plane();
      T* gx_plane = pgx + plane * g.in_plane();
      std::fill(gx_plane, gx_plane + g.in_plane(), T(0));
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_of(oh, ow, g);
          const auto share = static_cast<T>(g_plane[oh * g.out_w + ow] / win.divisor);
          for (auto ih = win.h_begin; ih < win.h_end; ++ih)
            for (auto iw = win.w_begin; iw < win.w_end; ++iw) gx_plane[ih * g.in_w + iw] += share;
        }
      }
    }
  });
}

}  // namespace

// Padding acts as -inf: it never wins, and every window holds at least one
// input element because the op limits padding to half the kernel. NaN wins
// over any number, so a NaN input propagates (as in PyTorch).
void RefKernels::max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x,
                            const Pool2dOptions& options) {
  const PoolGeometry g(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    std::int64_t* pi = indices.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (g.worth_threads())
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      const T* x_plane = px + plane * g.in_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = pool_window(oh, ow, g, options);
          auto best_index = win.h_begin * g.in_w + win.w_begin;
          T best = x_plane[best_index];
          for (auto ih = win.h_begin; ih < win.h_end; ++ih) {
            for (auto iw = win.w_begin; iw < win.w_end; ++iw) {
              const T v = x_plane[ih * g.in_w + iw];
              if (v > best || std::isnan(v)) {
                best = v;
                best_index = ih * g.in_w + iw;
              }
            }
          }
          const auto o = plane * g.out_plane() + oh * g.out_w + ow;
          po[o] = best;
          pi[o] = best_index;
        }
      }
    }
  });
}

void RefKernels::max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                     const Tensor& indices) {
  const PoolGeometry g(grad_x, grad_out);
  const std::int64_t* pi = indices.data<std::int64_t>();
  // Indices are the one input whose values address memory: a wrong one would
  // write outside its plane, so they are checked before any write.
  for (std::int64_t i = 0; i < indices.numel(); ++i)
    CHASE_CHECK(pi[i] >= 0 && pi[i] < g.in_plane(),
                "max_pool2d_backward: index {} at position {} is outside a {}x{} input plane",
                pi[i], i, g.in_h, g.in_w);
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    T* pgx = grad_x.data<T>();
#pragma omp parallel for schedule(static) if (g.worth_threads())
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      T* gx_plane = pgx + plane * g.in_plane();
      std::fill(gx_plane, gx_plane + g.in_plane(), T(0));
      for (auto o = plane * g.out_plane(); o < (plane + 1) * g.out_plane(); ++o)
        gx_plane[pi[o]] += pg[o];
    }
  });
}

void RefKernels::avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  average_pool(out, x, [&](std::int64_t oh, std::int64_t ow, const PoolGeometry& g) {
    return pool_window(oh, ow, g, options);
  });
}

void RefKernels::avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                     const Pool2dOptions& options) {
  average_pool_backward(grad_x, grad_out,
                        [&](std::int64_t oh, std::int64_t ow, const PoolGeometry& g) {
                          return pool_window(oh, ow, g, options);
                        });
}

void RefKernels::adaptive_avg_pool2d(const Tensor& out, const Tensor& x) {
  average_pool(out, x, adaptive_window);
}

void RefKernels::adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) {
  average_pool_backward(grad_x, grad_out, adaptive_window);
}

}  // namespace chase

// 2-d pooling over contiguous NCHW tensors, one (n, c) plane per loop iteration:
// planes are independent, so threads never write the same memory (the backward
// passes scatter into the gradient plane of the plane they own). Window sums are
// accumulated in double.
#include <algorithm>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/pool_windows.h"

namespace chase {
namespace {

using pooling::AdaptiveWindows;
using pooling::PoolGeometry;
using pooling::Window;

bool worth_threads(const PoolGeometry& g) { return g.planes * g.in_plane() > 32768; }

// out[o] = mean over window(o) of x, plane by plane.
template <class WindowOf>
void average_pool(const Tensor& out, const Tensor& x, WindowOf window_of) {
  const PoolGeometry g = pooling::pool_geometry(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (worth_threads(g))
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      const T* x_plane = px + plane * g.in_plane();
      T* out_plane = po + plane * g.out_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_of(oh, ow, g);
          const double sum = pooling::window_sum(x_plane, win, g.in_w);
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
  const PoolGeometry g = pooling::pool_geometry(grad_x, grad_out);
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    T* pgx = grad_x.data<T>();
#pragma omp parallel for schedule(static) if (worth_threads(g))
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

void RefKernels::max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x,
                            const Pool2dOptions& options) {
  const PoolGeometry g = pooling::pool_geometry(x, out);
  const auto window_of = pooling::fixed_windows(options);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    std::int64_t* pi = indices.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (worth_threads(g))
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      const T* x_plane = px + plane * g.in_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const auto best = pooling::window_max(x_plane, window_of(oh, ow, g), g.in_w);
          const auto o = plane * g.out_plane() + oh * g.out_w + ow;
          po[o] = best.value;
          pi[o] = best.index;
        }
      }
    }
  });
}

void RefKernels::max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                     const Tensor& indices) {
  const PoolGeometry g = pooling::pool_geometry(grad_x, grad_out);
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
#pragma omp parallel for schedule(static) if (worth_threads(g))
    for (std::int64_t plane = 0; plane < g.planes; ++plane) {
      T* gx_plane = pgx + plane * g.in_plane();
      std::fill(gx_plane, gx_plane + g.in_plane(), T(0));
      for (auto o = plane * g.out_plane(); o < (plane + 1) * g.out_plane(); ++o)
        gx_plane[pi[o]] += pg[o];
    }
  });
}

void RefKernels::avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  average_pool(out, x, pooling::fixed_windows(options));
}

void RefKernels::avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                     const Pool2dOptions& options) {
  average_pool_backward(grad_x, grad_out, pooling::fixed_windows(options));
}

void RefKernels::adaptive_avg_pool2d(const Tensor& out, const Tensor& x) {
  average_pool(out, x, AdaptiveWindows{});
}

void RefKernels::adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) {
  average_pool_backward(grad_x, grad_out, AdaptiveWindows{});
}

}  // namespace chase

// 2-d pooling over contiguous NCHW tensors, one thread per output element
// (forward) or per input element (backward), with the windows of the
// reference backend (cpu/ref/pool.cpp): padding never wins a max and counts in
// an average only with count_include_pad; adaptive bins are
// [floor(i*H/Ho), ceil((i+1)*H/Ho)). Window sums accumulate in double.
//
// The average-pool backward passes gather instead of scatter: each input
// element sums the shares of the windows that cover it, so no two threads
// write the same element and the result does not depend on thread timing.
// The max-pool backward scatters along the saved indices with atomic adds
// (overlapping windows may pick the same input), so its f32 sums may round
// differently from run to run.
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/index_check.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/scalar_math.h"

namespace chase::cuda {
namespace {

// Planes and their sizes, for x [N, C, H, W] pooled to out [N, C, Ho, Wo].
struct PoolGeometry {
  std::int64_t planes, in_h, in_w, out_h, out_w;
  __host__ __device__ std::int64_t in_plane() const { return in_h * in_w; }
  __host__ __device__ std::int64_t out_plane() const { return out_h * out_w; }
};

PoolGeometry pool_geometry(const Tensor& x, const Tensor& out) {
  return {x.size(0) * x.size(1), x.size(2), x.size(3), out.size(2), out.size(3)};
}

struct Window {
  std::int64_t h_begin, h_end, w_begin, w_end;
  double divisor;
};

// The fixed windows of max/avg pooling, clipped to the input.
struct FixedWindows {
  std::int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  bool count_include_pad;

  __device__ Window operator()(std::int64_t oh, std::int64_t ow, const PoolGeometry& g) const {
    const std::int64_t h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
    Window win{max(h0, std::int64_t{0}), min(h0 + kernel_h, g.in_h), max(w0, std::int64_t{0}),
               min(w0 + kernel_w, g.in_w), 0.0};
    win.divisor = static_cast<double>(count_include_pad
                                          ? kernel_h * kernel_w
                                          : (win.h_end - win.h_begin) * (win.w_end - win.w_begin));
    return win;
  }
  // The outputs whose window starts at or before i and ends after it, along
  // one axis: o * stride - pad <= i < o * stride - pad + kernel.
  __device__ static void covering(std::int64_t i, std::int64_t kernel, std::int64_t stride,
                                  std::int64_t pad, std::int64_t out_size, std::int64_t& begin,
                                  std::int64_t& end) {
    const std::int64_t top = i + pad;  // o * stride <= top and o * stride > top - kernel
    begin = top - kernel < 0 ? 0 : (top - kernel) / stride + 1;
    end = min(top / stride + 1, out_size);
  }
  __device__ void covering_outputs(std::int64_t ih, std::int64_t iw, const PoolGeometry& g,
                                   std::int64_t (&range)[4]) const {
    covering(ih, kernel_h, stride_h, pad_h, g.out_h, range[0], range[1]);
    covering(iw, kernel_w, stride_w, pad_w, g.out_w, range[2], range[3]);
  }
};

FixedWindows fixed_windows(const Pool2dOptions& o) {
  return {o.kernel[0],  o.kernel[1],  o.stride[0],        o.stride[1],
          o.padding[0], o.padding[1], o.count_include_pad};
}

// Adaptive bin i of `out` bins over `in` positions: [floor(i*in/out), ceil((i+1)*in/out)).
__device__ inline std::int64_t bin_begin(std::int64_t i, std::int64_t in, std::int64_t out) {
  return i * in / out;
}
__device__ inline std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

struct AdaptiveWindows {
  __device__ Window operator()(std::int64_t oh, std::int64_t ow, const PoolGeometry& g) const {
    Window win{bin_begin(oh, g.in_h, g.out_h), bin_end(oh, g.in_h, g.out_h),
               bin_begin(ow, g.in_w, g.out_w), bin_end(ow, g.in_w, g.out_w), 0.0};
    win.divisor = static_cast<double>((win.h_end - win.h_begin) * (win.w_end - win.w_begin));
    return win;
  }
  // Bin o covers i iff floor(o*in/out) <= i < ceil((o+1)*in/out), i.e.
  // floor(i*out/in) <= o <= ceil((i+1)*out/in) - 1.
  __device__ static void covering(std::int64_t i, std::int64_t in, std::int64_t out,
                                  std::int64_t& begin, std::int64_t& end) {
    begin = i * out / in;
    end = min(((i + 1) * out + in - 1) / in, out);
  }
  __device__ void covering_outputs(std::int64_t ih, std::int64_t iw, const PoolGeometry& g,
                                   std::int64_t (&range)[4]) const {
    covering(ih, g.in_h, g.out_h, range[0], range[1]);
    covering(iw, g.in_w, g.out_w, range[2], range[3]);
  }
};

template <class T, class Windows>
struct AveragePoolBody {
  T* out;
  const T* x;
  PoolGeometry g;
  Windows windows;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t plane = o / g.out_plane(), oh = (o / g.out_w) % g.out_h, ow = o % g.out_w;
    const Window win = windows(oh, ow, g);
    const T* x_plane = x + plane * g.in_plane();
    double sum = 0.0;
    for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih)
      for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) sum += x_plane[ih * g.in_w + iw];
    out[o] = static_cast<T>(sum / win.divisor);
  }
};

// Input element i receives grad_out[o] / divisor(o) from every window o that
// covers it; the candidates come from Windows::covering_outputs, and each is
// confirmed against its window, which keeps the two definitions in step.
template <class T, class Windows>
struct AveragePoolBackwardBody {
  T* grad_x;
  const T* grad_out;
  PoolGeometry g;
  Windows windows;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t plane = i / g.in_plane(), ih = (i / g.in_w) % g.in_h, iw = i % g.in_w;
    std::int64_t range[4];
    windows.covering_outputs(ih, iw, g, range);
    const T* g_plane = grad_out + plane * g.out_plane();
    double sum = 0.0;
    for (std::int64_t oh = range[0]; oh < range[1]; ++oh) {
      for (std::int64_t ow = range[2]; ow < range[3]; ++ow) {
        const Window win = windows(oh, ow, g);
        if (ih < win.h_begin || ih >= win.h_end || iw < win.w_begin || iw >= win.w_end) continue;
        // Rounded to T per window, as the reference adds T-valued shares.
        sum += static_cast<T>(g_plane[oh * g.out_w + ow] / win.divisor);
      }
    }
    grad_x[i] = static_cast<T>(sum);
  }
};

// Padding acts as -inf: it never wins, and every window holds at least one
// input element because the op limits padding to half the kernel. NaN wins
// over any number, so a NaN input propagates (as in PyTorch).
template <class T>
struct MaxPoolBody {
  T* out;
  std::int64_t* indices;
  const T* x;
  PoolGeometry g;
  FixedWindows windows;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t plane = o / g.out_plane(), oh = (o / g.out_w) % g.out_h, ow = o % g.out_w;
    const Window win = windows(oh, ow, g);
    const T* x_plane = x + plane * g.in_plane();
    std::int64_t best_index = win.h_begin * g.in_w + win.w_begin;
    T best = x_plane[best_index];
    for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih) {
      for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) {
        const T v = x_plane[ih * g.in_w + iw];
        if (v > best || scalar::is_nan(v)) {
          best = v;
          best_index = ih * g.in_w + iw;
        }
      }
    }
    out[o] = best;
    indices[o] = best_index;
  }
};

template <class T>
struct MaxPoolBackwardBody {
  T* grad_x;
  const T* grad_out;
  const std::int64_t* indices;
  PoolGeometry g;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t plane = o / g.out_plane();
    atomicAdd(grad_x + plane * g.in_plane() + indices[o], grad_out[o]);
  }
};

template <class Windows>
void average_pool(const char* op, const Tensor& out, const Tensor& x, Windows windows) {
  const PoolGeometry g = pool_geometry(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map(op, out.numel(), AveragePoolBody<T, Windows>{out.data<T>(), x.data<T>(), g, windows});
  });
}

template <class Windows>
void average_pool_backward(const char* op, const Tensor& grad_x, const Tensor& grad_out,
                           Windows windows) {
  const PoolGeometry g = pool_geometry(grad_x, grad_out);
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map(
        op, grad_x.numel(),
        AveragePoolBackwardBody<T, Windows>{grad_x.data<T>(), grad_out.data<T>(), g, windows});
  });
}

}  // namespace

void CudaKernels::max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x,
                             const Pool2dOptions& options) {
  check_served("max_pool2d", out, indices, x);
  const PoolGeometry g = pool_geometry(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("max_pool2d", out.numel(),
              MaxPoolBody<T>{out.data<T>(), indices.data<std::int64_t>(), x.data<T>(), g,
                             fixed_windows(options)});
  });
}

void CudaKernels::max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                      const Tensor& indices) {
  constexpr const char* op = "max_pool2d_backward";
  check_served(op, grad_x, grad_out, indices);
  const PoolGeometry g = pool_geometry(grad_x, grad_out);
  // Indices are the one input whose values address memory: a wrong one would
  // write outside its plane, so they are checked before any write.
  if (const auto bad = first_index_outside(indices, g.in_plane(), op)) {
    throw Error(fmt::format("{}: index {} at position {} is outside a {}x{} input plane", op,
                            bad->value, bad->position, g.in_h, g.in_w));
  }
  fill(grad_x, 0.0);
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map(op, grad_out.numel(),
              MaxPoolBackwardBody<T>{grad_x.data<T>(), grad_out.data<T>(),
                                     indices.data<std::int64_t>(), g});
  });
}

void CudaKernels::avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  check_served("avg_pool2d", out, x);
  average_pool("avg_pool2d", out, x, fixed_windows(options));
}

void CudaKernels::avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                      const Pool2dOptions& options) {
  check_served("avg_pool2d_backward", grad_x, grad_out);
  average_pool_backward("avg_pool2d_backward", grad_x, grad_out, fixed_windows(options));
}

void CudaKernels::adaptive_avg_pool2d(const Tensor& out, const Tensor& x) {
  check_served("adaptive_avg_pool2d", out, x);
  average_pool("adaptive_avg_pool2d", out, x, AdaptiveWindows{});
}

void CudaKernels::adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) {
  check_served("adaptive_avg_pool2d_backward", grad_x, grad_out);
  average_pool_backward("adaptive_avg_pool2d_backward", grad_x, grad_out, AdaptiveWindows{});
}

}  // namespace chase::cuda

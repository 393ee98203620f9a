// 2-d pooling over contiguous NCHW tensors, one thread per output element
// (forward) or per input element (backward), with the reference backend's
// windows and window scans (tensor/pool_windows.h): padding never wins a max
// and counts in an average only with count_include_pad; adaptive bins are
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
#include "tensor/pool_windows.h"

namespace chase::cuda {
namespace {

using pooling::AdaptiveWindows;
using pooling::FixedWindows;
using pooling::PoolGeometry;
using pooling::Window;

// The outputs whose window covers input i along one axis, [begin, end), for
// the gather-style backward: o * stride - pad <= i < o * stride - pad + kernel.
__device__ void covering(std::int64_t i, std::int64_t kernel, std::int64_t stride,
                         std::int64_t pad, std::int64_t out_size, std::int64_t& begin,
                         std::int64_t& end) {
  const std::int64_t top = i + pad;  // o * stride <= top and o * stride > top - kernel
  begin = top - kernel < 0 ? 0 : (top - kernel) / stride + 1;
  end = min(top / stride + 1, out_size);
}
__device__ void covering_outputs(const FixedWindows& w, std::int64_t ih, std::int64_t iw,
                                 const PoolGeometry& g, std::int64_t (&range)[4]) {
  covering(ih, w.kernel_h, w.stride_h, w.pad_h, g.out_h, range[0], range[1]);
  covering(iw, w.kernel_w, w.stride_w, w.pad_w, g.out_w, range[2], range[3]);
}

// Bin o covers i iff floor(o*in/out) <= i < ceil((o+1)*in/out), i.e.
// floor(i*out/in) <= o <= ceil((i+1)*out/in) - 1.
__device__ void covering(std::int64_t i, std::int64_t in, std::int64_t out, std::int64_t& begin,
                         std::int64_t& end) {
  begin = i * out / in;
  end = min(((i + 1) * out + in - 1) / in, out);
}
__device__ void covering_outputs(const AdaptiveWindows&, std::int64_t ih, std::int64_t iw,
                                 const PoolGeometry& g, std::int64_t (&range)[4]) {
  covering(ih, g.in_h, g.out_h, range[0], range[1]);
  covering(iw, g.in_w, g.out_w, range[2], range[3]);
}

template <class T, class Windows>
struct AveragePoolBody {
  T* out;
  const T* x;
  PoolGeometry g;
  Windows windows;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t plane = o / g.out_plane(), oh = (o / g.out_w) % g.out_h, ow = o % g.out_w;
    const Window win = windows(oh, ow, g);
    const double sum = pooling::window_sum(x + plane * g.in_plane(), win, g.in_w);
    out[o] = static_cast<T>(sum / win.divisor);
  }
};

// Input element i receives grad_out[o] / divisor(o) from every window o that
// covers it; the candidates come from covering_outputs, and each is
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
    covering_outputs(windows, ih, iw, g, range);
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

template <class T>
struct MaxPoolBody {
  T* out;
  std::int64_t* indices;
  const T* x;
  PoolGeometry g;
  FixedWindows windows;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t plane = o / g.out_plane(), oh = (o / g.out_w) % g.out_h, ow = o % g.out_w;
    const auto best = pooling::window_max(x + plane * g.in_plane(), windows(oh, ow, g), g.in_w);
    out[o] = best.value;
    indices[o] = best.index;
  }
};

// One thread per plane adds its outputs' gradients into the plane in output
// order, as the reference does: overlapping windows (3x3 stride 2) send
// several gradients to one input, and atomics would add them in an order that
// changes from run to run. A plane per thread gives up parallelism within a
// plane for results that are bit-identical to the CPU's and to the last run's.
template <class T>
struct MaxPoolBackwardBody {
  T* grad_x;
  const T* grad_out;
  const std::int64_t* indices;
  PoolGeometry g;
  __device__ void operator()(std::int64_t plane) const {
    T* gx_plane = grad_x + plane * g.in_plane();
    for (std::int64_t i = 0; i < g.in_plane(); ++i) gx_plane[i] = T(0);
    for (auto o = plane * g.out_plane(); o < (plane + 1) * g.out_plane(); ++o)
      gx_plane[indices[o]] += grad_out[o];
  }
};

template <class Windows>
void average_pool(const char* op, const Tensor& out, const Tensor& x, Windows windows) {
  const PoolGeometry g = pooling::pool_geometry(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map(op, out.numel(), AveragePoolBody<T, Windows>{out.data<T>(), x.data<T>(), g, windows});
  });
}

template <class Windows>
void average_pool_backward(const char* op, const Tensor& grad_x, const Tensor& grad_out,
                           Windows windows) {
  const PoolGeometry g = pooling::pool_geometry(grad_x, grad_out);
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
  select_device("max_pool2d", out, indices, x);
  const PoolGeometry g = pooling::pool_geometry(x, out);
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("max_pool2d", out.numel(),
              MaxPoolBody<T>{out.data<T>(), indices.data<std::int64_t>(), x.data<T>(), g,
                             pooling::fixed_windows(options)});
  });
}

void CudaKernels::max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                      const Tensor& indices) {
  constexpr const char* op = "max_pool2d_backward";
  select_device(op, grad_x, grad_out, indices);
  const PoolGeometry g = pooling::pool_geometry(grad_x, grad_out);
  // Indices are the one input whose values address memory: a wrong one would
  // write outside its plane, so they are checked before any write.
  if (const auto bad = first_index_outside(indices, g.in_plane(), op)) {
    throw Error(fmt::format("{}: index {} at position {} is outside a {}x{} input plane", op,
                            bad->value, bad->position, g.in_h, g.in_w));
  }
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map(op, g.planes,
              MaxPoolBackwardBody<T>{grad_x.data<T>(), grad_out.data<T>(),
                                     indices.data<std::int64_t>(), g});
  });
}

void CudaKernels::avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  select_device("avg_pool2d", out, x);
  average_pool("avg_pool2d", out, x, pooling::fixed_windows(options));
}

void CudaKernels::avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                      const Pool2dOptions& options) {
  select_device("avg_pool2d_backward", grad_x, grad_out);
  average_pool_backward("avg_pool2d_backward", grad_x, grad_out, pooling::fixed_windows(options));
}

void CudaKernels::adaptive_avg_pool2d(const Tensor& out, const Tensor& x) {
  select_device("adaptive_avg_pool2d", out, x);
  average_pool("adaptive_avg_pool2d", out, x, AdaptiveWindows{});
}

void CudaKernels::adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) {
  select_device("adaptive_avg_pool2d_backward", grad_x, grad_out);
  average_pool_backward("adaptive_avg_pool2d_backward", grad_x, grad_out, AdaptiveWindows{});
}

}  // namespace chase::cuda

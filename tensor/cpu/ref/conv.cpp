// 2-d convolution (cross-correlation, as every framework computes it) and its two
// gradients, as direct loops over contiguous NCHW tensors:
//
//   out[n, co, oh, ow] = bias[co] + sum_{ci in group(co), kh, kw}
//       x[n, ci, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] * w[co, ci - first(group), kh, kw]
//
// with positions outside the input reading zero. Every loop nest is organised so
// that each thread owns whole planes of its output (no races, no atomics), and
// the range of output positions that meet the input is computed once per kernel
// tap so that the innermost loops carry no bounds checks. Sums are accumulated
// in the tensor's type, as matmul does. Short names follow the formula:
// s = stride, p = padding, d = dilation; h, w = height, width.
#include <algorithm>

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {
namespace {

struct ConvGeometry {
  std::int64_t batch, in_channels, in_h, in_w;
  std::int64_t out_channels, out_h, out_w;
  std::int64_t kernel_h, kernel_w;
  std::int64_t groups, in_per_group, out_per_group;

  ConvGeometry(const Tensor& x, const Tensor& w, const Tensor& out, std::int64_t groups)
      : batch(x.size(0)), in_channels(x.size(1)), in_h(x.size(2)), in_w(x.size(3)),
        out_channels(out.size(1)), out_h(out.size(2)), out_w(out.size(3)),
        kernel_h(w.size(2)), kernel_w(w.size(3)),
        groups(groups), in_per_group(in_channels / groups), out_per_group(out_channels / groups) {}

  std::int64_t in_plane() const { return in_h * in_w; }
  std::int64_t out_plane() const { return out_h * out_w; }
  std::int64_t kernel_size() const { return kernel_h * kernel_w; }
  // Multiply-adds of the whole convolution: decides whether threads pay off.
  std::int64_t work() const {
    return batch * out_channels * out_plane() * in_per_group * kernel_size();
  }
};

struct Range {
  std::int64_t begin, end;
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The output positions o (of out_size) whose input position o * stride - shift
// lies in [0, in_size), where shift = padding - tap * dilation.
Range valid_outputs(std::int64_t out_size, std::int64_t in_size, std::int64_t stride,
                    std::int64_t shift) {
  const auto begin = shift > 0 ? ceil_div(shift, stride) : 0;
  const auto limit = in_size + shift;  // o * stride < limit
  const auto end = limit > 0 ? std::min(out_size, ceil_div(limit, stride)) : 0;
  return {begin, std::max(begin, end)};
}

constexpr std::int64_t parallel_threshold = 32768;

}  // namespace

void RefKernels::conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                        const Conv2dOptions& options) {
  const ConvGeometry g(x, w, out, options.groups);
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  const auto [dh, dw] = options.dilation;
  visit_floating(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pweight = w.data<T>();
    const T* pbias = bias.defined() ? bias.data<T>() : nullptr;
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (g.work() > parallel_threshold)
    for (std::int64_t plane = 0; plane < g.batch * g.out_channels; ++plane) {
      const auto n = plane / g.out_channels, co = plane % g.out_channels;
      const auto first_in = (co / g.out_per_group) * g.in_per_group;
      T* out_plane = po + plane * g.out_plane();
      std::fill(out_plane, out_plane + g.out_plane(), pbias ? pbias[co] : T(0));
      for (std::int64_t c = 0; c < g.in_per_group; ++c) {
        const T* x_plane = px + (n * g.in_channels + first_in + c) * g.in_plane();
        const T* kernel = pweight + (co * g.in_per_group + c) * g.kernel_size();
        for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
          const auto rows = valid_outputs(g.out_h, g.in_h, sh, ph - kh * dh);
          for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
            const auto cols = valid_outputs(g.out_w, g.in_w, sw, pw - kw * dw);
            const T weight = kernel[kh * g.kernel_w + kw];
            for (auto oh = rows.begin; oh < rows.end; ++oh) {
              T* out_row = out_plane + oh * g.out_w;
              const auto x_row = (oh * sh - ph + kh * dh) * g.in_w - pw + kw * dw;
              for (auto ow = cols.begin; ow < cols.end; ++ow)
                out_row[ow] += weight * x_plane[x_row + ow * sw];
            }
          }
        }
      }
    }
  });
}

// grad_x[n, ci] = sum over the output channels co of ci's group of the
// transposed convolution of grad_out[n, co] with w[co, ci - first(group)]:
// each output gradient is scattered back to the inputs it read.
void RefKernels::conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out,
                                       const Tensor& w, const Conv2dOptions& options) {
  const ConvGeometry g(grad_x, w, grad_out, options.groups);
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  const auto [dh, dw] = options.dilation;
  visit_floating(grad_x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    const T* pweight = w.data<T>();
    T* pgx = grad_x.data<T>();
#pragma omp parallel for schedule(static) if (g.work() > parallel_threshold)
    for (std::int64_t plane = 0; plane < g.batch * g.in_channels; ++plane) {
      const auto n = plane / g.in_channels, ci = plane % g.in_channels;
      const auto group = ci / g.in_per_group, c = ci % g.in_per_group;
      T* gx_plane = pgx + plane * g.in_plane();
      std::fill(gx_plane, gx_plane + g.in_plane(), T(0));
      for (auto co = group * g.out_per_group; co < (group + 1) * g.out_per_group; ++co) {
        const T* g_plane = pg + (n * g.out_channels + co) * g.out_plane();
        const T* kernel = pweight + (co * g.in_per_group + c) * g.kernel_size();
        for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
          const auto rows = valid_outputs(g.out_h, g.in_h, sh, ph - kh * dh);
          for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
            const auto cols = valid_outputs(g.out_w, g.in_w, sw, pw - kw * dw);
            const T weight = kernel[kh * g.kernel_w + kw];
            for (auto oh = rows.begin; oh < rows.end; ++oh) {
              const T* g_row = g_plane + oh * g.out_w;
              const auto gx_row = (oh * sh - ph + kh * dh) * g.in_w - pw + kw * dw;
              for (auto ow = cols.begin; ow < cols.end; ++ow)
                gx_plane[gx_row + ow * sw] += weight * g_row[ow];
            }
          }
        }
      }
    }
  });
}

// grad_w[co, c, kh, kw] = sum_{n, oh, ow} grad_out[n, co, oh, ow] * x[n, ci, ih, iw]:
// the correlation of each output gradient plane with the input plane it read.
void RefKernels::conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                        const Tensor& x, const Conv2dOptions& options) {
  const ConvGeometry g(x, grad_w, grad_out, options.groups);
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  const auto [dh, dw] = options.dilation;
  visit_floating(grad_w.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    const T* px = x.data<T>();
    T* pgw = grad_w.data<T>();
#pragma omp parallel for schedule(static) if (g.work() > parallel_threshold)
    for (std::int64_t kernel_index = 0; kernel_index < g.out_channels * g.in_per_group;
         ++kernel_index) {
      const auto co = kernel_index / g.in_per_group, c = kernel_index % g.in_per_group;
      const auto ci = (co / g.out_per_group) * g.in_per_group + c;
      T* kernel_grad = pgw + kernel_index * g.kernel_size();
      for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
        const auto rows = valid_outputs(g.out_h, g.in_h, sh, ph - kh * dh);
        for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
          const auto cols = valid_outputs(g.out_w, g.in_w, sw, pw - kw * dw);
          T sum = 0;
          for (std::int64_t n = 0; n < g.batch; ++n) {
            const T* g_plane = pg + (n * g.out_channels + co) * g.out_plane();
            const T* x_plane = px + (n * g.in_channels + ci) * g.in_plane();
            for (auto oh = rows.begin; oh < rows.end; ++oh) {
              const T* g_row = g_plane + oh * g.out_w;
              const auto x_row = (oh * sh - ph + kh * dh) * g.in_w - pw + kw * dw;
              for (auto ow = cols.begin; ow < cols.end; ++ow)
                sum += g_row[ow] * x_plane[x_row + ow * sw];
            }
          }
          kernel_grad[kh * g.kernel_w + kw] = sum;
        }
      }
    }
  });
}

}  // namespace chase

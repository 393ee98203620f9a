// Batch and layer normalisation over contiguous tensors. Statistics are
// accumulated in double with two passes (mean, then squared deviations), so
// the f32 results are the correctly rounded values of the exact statistics to
// within a few ulps even for inputs with a large mean. The variance is the
// biased one (divided by the count), which is what normalises.
//
// Backward (training mode, statistics saved by the forward), per normalised
// group of count elements, with xhat = (x - mean) * invstd and dy = g * weight:
//   grad_x = invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
// because d xhat_i / d x_j = invstd * (delta_ij - 1/count - xhat_i xhat_j / count).
#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {
namespace {

constexpr std::int64_t parallel_threshold = 32768;

// x [N, C, *] as N blocks of C channels, each channel a run of `spatial` values.
struct ChannelLayout {
  std::int64_t batch, channels, spatial;

  explicit ChannelLayout(const Tensor& x)
      : batch(x.size(0)), channels(x.size(1)),
        spatial(x.numel() / std::max<std::int64_t>(x.size(0) * x.size(1), 1)) {}

  std::int64_t count() const { return batch * spatial; }  // values per channel
  std::int64_t run(std::int64_t n, std::int64_t c) const { return (n * channels + c) * spatial; }
};

// Optional parameters (weight, bias) are read through a pointer that is null
// when the tensor is undefined.
template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

template <class T>
double value_or(const T* p, std::int64_t i, double fallback) {
  return p ? static_cast<double>(p[i]) : fallback;
}

}  // namespace

void RefKernels::batch_norm(const Tensor& out, const Tensor& mean, const Tensor& invstd,
                            const Tensor& x, const Tensor& weight, const Tensor& bias,
                            double eps) {
  const ChannelLayout layout(x);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pweight = data_or_null<T>(weight);
    const T* pbias = data_or_null<T>(bias);
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t c = 0; c < layout.channels; ++c) {
      double sum = 0.0;
      for (std::int64_t n = 0; n < layout.batch; ++n)
        for (std::int64_t s = 0; s < layout.spatial; ++s) sum += px[layout.run(n, c) + s];
      const double m = sum / static_cast<double>(layout.count());
      double squares = 0.0;
      for (std::int64_t n = 0; n < layout.batch; ++n) {
        for (std::int64_t s = 0; s < layout.spatial; ++s) {
          const double d = px[layout.run(n, c) + s] - m;
          squares += d * d;
        }
      }
      const double inv = 1.0 / std::sqrt(squares / static_cast<double>(layout.count()) + eps);
      mean.data<T>()[c] = static_cast<T>(m);
      invstd.data<T>()[c] = static_cast<T>(inv);
      const double scale = value_or(pweight, c, 1.0) * inv;
      const double shift = value_or(pbias, c, 0.0) - m * scale;
      for (std::int64_t n = 0; n < layout.batch; ++n)
        for (std::int64_t s = 0; s < layout.spatial; ++s)
          po[layout.run(n, c) + s] = static_cast<T>(px[layout.run(n, c) + s] * scale + shift);
    }
  });
}

void RefKernels::batch_norm_inference(const Tensor& out, const Tensor& x, const Tensor& weight,
                                      const Tensor& bias, const Tensor& running_mean,
                                      const Tensor& running_var, double eps) {
  const ChannelLayout layout(x);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pweight = data_or_null<T>(weight);
    const T* pbias = data_or_null<T>(bias);
    const T* prunning_mean = running_mean.data<T>();
    const T* prunning_var = running_var.data<T>();
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t c = 0; c < layout.channels; ++c) {
      const double inv = 1.0 / std::sqrt(static_cast<double>(prunning_var[c]) + eps);
      const double scale = value_or(pweight, c, 1.0) * inv;
      const double shift = value_or(pbias, c, 0.0) - prunning_mean[c] * scale;
      for (std::int64_t n = 0; n < layout.batch; ++n)
        for (std::int64_t s = 0; s < layout.spatial; ++s)
          po[layout.run(n, c) + s] = static_cast<T>(px[layout.run(n, c) + s] * scale + shift);
    }
  });
}

void RefKernels::batch_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                     const Tensor& grad_bias, const Tensor& grad_out,
                                     const Tensor& x, const Tensor& weight, const Tensor& mean,
                                     const Tensor& invstd) {
  const ChannelLayout layout(x);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pg = grad_out.data<T>();
    const T* pweight = data_or_null<T>(weight);
    T* pgx = grad_x.data<T>();
    const auto count = static_cast<double>(layout.count());
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t c = 0; c < layout.channels; ++c) {
      const double m = mean.data<T>()[c], inv = invstd.data<T>()[c];
      double sum_g = 0.0, sum_g_xhat = 0.0;
      for (std::int64_t n = 0; n < layout.batch; ++n) {
        for (std::int64_t s = 0; s < layout.spatial; ++s) {
          const auto i = layout.run(n, c) + s;
          sum_g += pg[i];
          sum_g_xhat += pg[i] * (px[i] - m) * inv;
        }
      }
      if (grad_weight.defined()) grad_weight.data<T>()[c] = static_cast<T>(sum_g_xhat);
      if (grad_bias.defined()) grad_bias.data<T>()[c] = static_cast<T>(sum_g);
      const double scale = value_or(pweight, c, 1.0) * inv;
      const double mean_g = sum_g / count, mean_g_xhat = sum_g_xhat / count;
      for (std::int64_t n = 0; n < layout.batch; ++n) {
        for (std::int64_t s = 0; s < layout.spatial; ++s) {
          const auto i = layout.run(n, c) + s;
          const double xhat = (px[i] - m) * inv;
          pgx[i] = static_cast<T>(scale * (pg[i] - mean_g - xhat * mean_g_xhat));
        }
      }
    }
  });
}

void RefKernels::layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                            const Tensor& x, const Tensor& weight, const Tensor& bias,
                            double eps) {
  const auto rows = x.size(0), cols = x.size(1);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pweight = data_or_null<T>(weight);
    const T* pbias = data_or_null<T>(bias);
    T* po = out.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t i = 0; i < rows; ++i) {
      const T* x_row = px + i * cols;
      double sum = 0.0;
      for (std::int64_t j = 0; j < cols; ++j) sum += x_row[j];
      const double m = sum / static_cast<double>(cols);
      double squares = 0.0;
      for (std::int64_t j = 0; j < cols; ++j) squares += (x_row[j] - m) * (x_row[j] - m);
      const double inv = 1.0 / std::sqrt(squares / static_cast<double>(cols) + eps);
      mean.data<T>()[i] = static_cast<T>(m);
      rstd.data<T>()[i] = static_cast<T>(inv);
      for (std::int64_t j = 0; j < cols; ++j)
        po[i * cols + j] = static_cast<T>((x_row[j] - m) * inv * value_or(pweight, j, 1.0) +
                                          value_or(pbias, j, 0.0));
    }
  });
}

void RefKernels::layer_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                     const Tensor& grad_bias, const Tensor& grad_out,
                                     const Tensor& x, const Tensor& weight, const Tensor& mean,
                                     const Tensor& rstd) {
  const auto rows = x.size(0), cols = x.size(1);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pg = grad_out.data<T>();
    const T* pm = mean.data<T>();
    const T* pr = rstd.data<T>();
    const T* pweight = data_or_null<T>(weight);
    T* pgx = grad_x.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t i = 0; i < rows; ++i) {
      const double m = pm[i], inv = pr[i];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      for (std::int64_t j = 0; j < cols; ++j) {
        const double dy = pg[i * cols + j] * value_or(pweight, j, 1.0);
        sum_dy += dy;
        sum_dy_xhat += dy * (px[i * cols + j] - m) * inv;
      }
      const double mean_dy = sum_dy / static_cast<double>(cols);
      const double mean_dy_xhat = sum_dy_xhat / static_cast<double>(cols);
      for (std::int64_t j = 0; j < cols; ++j) {
        const double dy = pg[i * cols + j] * value_or(pweight, j, 1.0);
        const double xhat = (px[i * cols + j] - m) * inv;
        pgx[i * cols + j] = static_cast<T>(inv * (dy - mean_dy - xhat * mean_dy_xhat));
      }
    }
    // The parameter gradients sum over rows: one sequential row-major sweep
    // keeps the reads contiguous and needs no reduction between threads.
    if (!grad_weight.defined() && !grad_bias.defined()) return;
    std::vector<double> sum_g_xhat(cols, 0.0), sum_g(cols, 0.0);
    for (std::int64_t i = 0; i < rows; ++i) {
      const double m = pm[i], inv = pr[i];
      for (std::int64_t j = 0; j < cols; ++j) {
        sum_g[j] += pg[i * cols + j];
        sum_g_xhat[j] += pg[i * cols + j] * (px[i * cols + j] - m) * inv;
      }
    }
    for (std::int64_t j = 0; j < cols; ++j) {
      if (grad_weight.defined()) grad_weight.data<T>()[j] = static_cast<T>(sum_g_xhat[j]);
      if (grad_bias.defined()) grad_bias.data<T>()[j] = static_cast<T>(sum_g[j]);
    }
  });
}

}  // namespace chase

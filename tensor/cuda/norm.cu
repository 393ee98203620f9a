// Batch and layer normalisation over contiguous tensors, with the statistics
// of the reference backend (cpu/ref/norm.cpp): accumulated in double, in two
// passes (mean, then squared deviations), biased variance. One block folds one
// channel (batch norm) or one row (layer norm) with a shared-memory reduction.
//
// Backward (training mode), per normalised group of count values, with
// xhat = (x - mean) * invstd and dy = g * weight:
//   grad_x = invstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
#include "tensor/cuda/block_reduce.cuh"
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"

namespace chase::cuda {
namespace {

struct DoubleSum {
  __device__ static double combine(double a, double b) { return a + b; }
};

// Two sums at once, for the backward passes.
struct SumPair {
  double first, second;
};
struct SumPairFold {
  __device__ static SumPair combine(SumPair a, SumPair b) {
    return {a.first + b.first, a.second + b.second};
  }
};

template <class T>
__device__ double value_or(const T* p, std::int64_t i, double fallback) {
  return p ? static_cast<double>(p[i]) : fallback;
}

// x [N, C, *] as N blocks of C channels, each channel a run of `spatial` values.
struct ChannelLayout {
  std::int64_t batch, channels, spatial;
  __host__ __device__ std::int64_t count() const { return batch * spatial; }
  // Offset of the i-th value (0 <= i < count) of channel c.
  __device__ std::int64_t at(std::int64_t c, std::int64_t i) const {
    return ((i / spatial) * channels + c) * spatial + i % spatial;
  }
};

ChannelLayout channel_layout(const Tensor& x) {
  const std::int64_t planes = x.size(0) * x.size(1);
  return {x.size(0), x.size(1), planes == 0 ? 0 : x.numel() / planes};
}

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* mutable_data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

unsigned int grid_for_groups(std::int64_t groups) {
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  return static_cast<unsigned int>(std::clamp<std::int64_t>(groups, 1, kMaxGrid));
}

template <class T>
__global__ void batch_norm_kernel(T* out, T* mean, T* invstd, const T* x, const T* weight,
                                  const T* bias, ChannelLayout layout, double eps) {
  __shared__ double shared[kMaxBlockThreads];
  __shared__ double result;
  const auto count = static_cast<double>(layout.count());
  for (std::int64_t c = blockIdx.x; c < layout.channels; c += gridDim.x) {
    double sum = 0.0;
    for (std::int64_t i = threadIdx.x; i < layout.count(); i += blockDim.x)
      sum += x[layout.at(c, i)];
    const double m = block_reduce_to_all<DoubleSum>(sum, shared, &result) / count;
    double squares = 0.0;
    for (std::int64_t i = threadIdx.x; i < layout.count(); i += blockDim.x) {
      const double d = x[layout.at(c, i)] - m;
      squares += d * d;
    }
    const double inv =
        1.0 / sqrt(block_reduce_to_all<DoubleSum>(squares, shared, &result) / count + eps);
    if (threadIdx.x == 0) {
      mean[c] = static_cast<T>(m);
      invstd[c] = static_cast<T>(inv);
    }
    const double scale = value_or(weight, c, 1.0) * inv;
    const double shift = value_or(bias, c, 0.0) - m * scale;
    for (std::int64_t i = threadIdx.x; i < layout.count(); i += blockDim.x) {
      const std::int64_t at = layout.at(c, i);
      out[at] = static_cast<T>(x[at] * scale + shift);
    }
  }
}

template <class T>
struct BatchNormInferenceBody {
  T* out;
  const T* x;
  const T* weight;
  const T* bias;
  const T* running_mean;
  const T* running_var;
  ChannelLayout layout;
  double eps;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t c = (i / layout.spatial) % layout.channels;
    const double inv = 1.0 / sqrt(static_cast<double>(running_var[c]) + eps);
    const double scale = value_or(weight, c, 1.0) * inv;
    const double shift = value_or(bias, c, 0.0) - running_mean[c] * scale;
    out[i] = static_cast<T>(x[i] * scale + shift);
  }
};

template <class T>
__global__ void batch_norm_backward_kernel(T* grad_x, T* grad_weight, T* grad_bias,
                                           const T* grad_out, const T* x, const T* weight,
                                           const T* mean, const T* invstd, ChannelLayout layout) {
  __shared__ SumPair shared[kMaxBlockThreads];
  __shared__ SumPair result;
  const auto count = static_cast<double>(layout.count());
  for (std::int64_t c = blockIdx.x; c < layout.channels; c += gridDim.x) {
    const double m = mean[c], inv = invstd[c];
    SumPair sums{0.0, 0.0};  // sum g, sum g * xhat
    for (std::int64_t i = threadIdx.x; i < layout.count(); i += blockDim.x) {
      const std::int64_t at = layout.at(c, i);
      sums.first += grad_out[at];
      sums.second += grad_out[at] * (x[at] - m) * inv;
    }
    sums = block_reduce_to_all<SumPairFold>(sums, shared, &result);
    if (threadIdx.x == 0) {
      if (grad_weight) grad_weight[c] = static_cast<T>(sums.second);
      if (grad_bias) grad_bias[c] = static_cast<T>(sums.first);
    }
    const double scale = value_or(weight, c, 1.0) * inv;
    const double mean_g = sums.first / count, mean_g_xhat = sums.second / count;
    for (std::int64_t i = threadIdx.x; i < layout.count(); i += blockDim.x) {
      const std::int64_t at = layout.at(c, i);
      const double xhat = (x[at] - m) * inv;
      grad_x[at] = static_cast<T>(scale * (grad_out[at] - mean_g - xhat * mean_g_xhat));
    }
  }
}

template <class T>
__global__ void layer_norm_kernel(T* out, T* mean, T* rstd, const T* x, const T* weight,
                                  const T* bias, std::int64_t rows, std::int64_t cols, double eps) {
  __shared__ double shared[kMaxBlockThreads];
  __shared__ double result;
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x_row = x + r * cols;
    double sum = 0.0;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) sum += x_row[j];
    const double m =
        block_reduce_to_all<DoubleSum>(sum, shared, &result) / static_cast<double>(cols);
    double squares = 0.0;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x)
      squares += (x_row[j] - m) * (x_row[j] - m);
    const double inv = 1.0 / sqrt(block_reduce_to_all<DoubleSum>(squares, shared, &result) /
                                      static_cast<double>(cols) +
                                  eps);
    if (threadIdx.x == 0) {
      mean[r] = static_cast<T>(m);
      rstd[r] = static_cast<T>(inv);
    }
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x)
      out[r * cols + j] =
          static_cast<T>((x_row[j] - m) * inv * value_or(weight, j, 1.0) + value_or(bias, j, 0.0));
  }
}

template <class T>
__global__ void layer_norm_backward_kernel(T* grad_x, const T* grad_out, const T* x,
                                           const T* weight, const T* mean, const T* rstd,
                                           std::int64_t rows, std::int64_t cols) {
  __shared__ SumPair shared[kMaxBlockThreads];
  __shared__ SumPair result;
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const double m = mean[r], inv = rstd[r];
    SumPair sums{0.0, 0.0};  // sum dy, sum dy * xhat
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const double dy = grad_out[r * cols + j] * value_or(weight, j, 1.0);
      sums.first += dy;
      sums.second += dy * (x[r * cols + j] - m) * inv;
    }
    sums = block_reduce_to_all<SumPairFold>(sums, shared, &result);
    const double mean_dy = sums.first / static_cast<double>(cols);
    const double mean_dy_xhat = sums.second / static_cast<double>(cols);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const double dy = grad_out[r * cols + j] * value_or(weight, j, 1.0);
      const double xhat = (x[r * cols + j] - m) * inv;
      grad_x[r * cols + j] = static_cast<T>(inv * (dy - mean_dy - xhat * mean_dy_xhat));
    }
  }
}

// The parameter gradients sum over rows: one thread per column walks down the
// rows, so neighbouring threads read neighbouring memory.
template <class T>
struct LayerNormParameterGradBody {
  T* grad_weight;
  T* grad_bias;
  const T* grad_out;
  const T* x;
  const T* mean;
  const T* rstd;
  std::int64_t rows, cols;
  __device__ void operator()(std::int64_t j) const {
    double sum_g = 0.0, sum_g_xhat = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const double g = grad_out[r * cols + j];
      sum_g += g;
      sum_g_xhat += g * (x[r * cols + j] - static_cast<double>(mean[r])) * rstd[r];
    }
    if (grad_weight) grad_weight[j] = static_cast<T>(sum_g_xhat);
    if (grad_bias) grad_bias[j] = static_cast<T>(sum_g);
  }
};

}  // namespace

void CudaKernels::batch_norm(const Tensor& out, const Tensor& mean, const Tensor& invstd,
                             const Tensor& x, const Tensor& weight, const Tensor& bias,
                             double eps) {
  select_device("batch_norm", out, mean, invstd, x, weight, bias);
  const ChannelLayout layout = channel_layout(x);
  if (layout.channels == 0) return;
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    batch_norm_kernel<<<grid_for_groups(layout.channels), block_threads_for(layout.count()), 0,
                        stream()>>>(out.data<T>(), mean.data<T>(), invstd.data<T>(), x.data<T>(),
                                    data_or_null<T>(weight), data_or_null<T>(bias), layout, eps);
  });
  check_launch("batch_norm");
}

void CudaKernels::batch_norm_inference(const Tensor& out, const Tensor& x, const Tensor& weight,
                                       const Tensor& bias, const Tensor& running_mean,
                                       const Tensor& running_var, double eps) {
  select_device("batch_norm_inference", out, x, weight, bias, running_mean, running_var);
  const ChannelLayout layout = channel_layout(x);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("batch_norm_inference", x.numel(),
              BatchNormInferenceBody<T>{out.data<T>(), x.data<T>(), data_or_null<T>(weight),
                                        data_or_null<T>(bias), running_mean.data<T>(),
                                        running_var.data<T>(), layout, eps});
  });
}

void CudaKernels::batch_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                      const Tensor& grad_bias, const Tensor& grad_out,
                                      const Tensor& x, const Tensor& weight, const Tensor& mean,
                                      const Tensor& invstd) {
  select_device("batch_norm_backward", grad_x, grad_weight, grad_bias, grad_out, x, weight, mean,
               invstd);
  const ChannelLayout layout = channel_layout(x);
  if (layout.channels == 0) return;
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    batch_norm_backward_kernel<<<grid_for_groups(layout.channels),
                                 block_threads_for(layout.count()), 0, stream()>>>(
        grad_x.data<T>(), mutable_data_or_null<T>(grad_weight), mutable_data_or_null<T>(grad_bias),
        grad_out.data<T>(), x.data<T>(), data_or_null<T>(weight), mean.data<T>(), invstd.data<T>(),
        layout);
  });
  check_launch("batch_norm_backward");
}

void CudaKernels::layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                             const Tensor& x, const Tensor& weight, const Tensor& bias,
                             double eps) {
  select_device("layer_norm", out, mean, rstd, x, weight, bias);
  const std::int64_t rows = x.size(0), cols = x.size(1);
  if (rows == 0) return;
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    layer_norm_kernel<<<grid_for_groups(rows), block_threads_for(cols), 0, stream()>>>(
        out.data<T>(), mean.data<T>(), rstd.data<T>(), x.data<T>(), data_or_null<T>(weight),
        data_or_null<T>(bias), rows, cols, eps);
  });
  check_launch("layer_norm");
}

void CudaKernels::layer_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                      const Tensor& grad_bias, const Tensor& grad_out,
                                      const Tensor& x, const Tensor& weight, const Tensor& mean,
                                      const Tensor& rstd) {
  constexpr const char* op = "layer_norm_backward";
  select_device(op, grad_x, grad_weight, grad_bias, grad_out, x, weight, mean, rstd);
  const std::int64_t rows = x.size(0), cols = x.size(1);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (rows > 0) {
      layer_norm_backward_kernel<<<grid_for_groups(rows), block_threads_for(cols), 0, stream()>>>(
          grad_x.data<T>(), grad_out.data<T>(), x.data<T>(), data_or_null<T>(weight),
          mean.data<T>(), rstd.data<T>(), rows, cols);
      check_launch(op);
    }
    if (grad_weight.defined() || grad_bias.defined()) {
      index_map(op, cols,
                LayerNormParameterGradBody<T>{
                    mutable_data_or_null<T>(grad_weight), mutable_data_or_null<T>(grad_bias),
                    grad_out.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(), rows, cols});
    }
  });
}

}  // namespace chase::cuda

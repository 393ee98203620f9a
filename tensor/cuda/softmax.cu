// Softmax and log-softmax over one dim of a contiguous tensor, seen as
// [outer, D, inner]: each of the outer * inner lanes is D values `inner`
// apart. As in the reference (cpu/ref/softmax.cpp), the lane's maximum is
// subtracted before exponentiating and sums are accumulated in double.
//
// Lanes along the last dim (inner == 1) are rows of contiguous memory: one
// block per row reduces it with its threads. Otherwise neighbouring lanes are
// neighbours in memory, so one thread per lane walking down D reads coalesced.
#include <cmath>

#include "tensor/cuda/block_reduce.cuh"
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"

namespace chase::cuda {
namespace {

struct Lanes {
  std::int64_t outer = 1, length = 0, inner = 1;
  __host__ __device__ std::int64_t count() const { return outer * inner; }
  // Offset of the first element of lane l; its elements follow `inner` apart.
  __host__ __device__ std::int64_t start(std::int64_t l) const {
    return (l / inner) * length * inner + l % inner;
  }
};

Lanes lanes_of(const Tensor& x, std::int64_t dim) {
  Lanes lanes;
  lanes.length = x.size(dim);
  for (std::int64_t d = 0; d < dim; ++d) lanes.outer *= x.size(d);
  for (std::int64_t d = dim + 1; d < x.dim(); ++d) lanes.inner *= x.size(d);
  return lanes;
}

struct MaxFold {
  __device__ static double combine(double a, double b) { return fmax(a, b); }
};
struct SumFold {
  __device__ static double combine(double a, double b) { return a + b; }
};

// fmax ignores NaN, as std::fmax in the reference: a NaN logit spreads
// through the sum instead.
template <class T>
__global__ void softmax_rows_kernel(T* out, const T* x, std::int64_t rows, std::int64_t length,
                                    bool log) {
  __shared__ double shared[kMaxBlockThreads];
  __shared__ double result;
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x_row = x + r * length;
    T* out_row = out + r * length;
    double max = -INFINITY;
    for (std::int64_t d = threadIdx.x; d < length; d += blockDim.x)
      max = fmax(max, static_cast<double>(x_row[d]));
    max = block_reduce_to_all<MaxFold>(max, shared, &result);
    double sum = 0.0;
    for (std::int64_t d = threadIdx.x; d < length; d += blockDim.x) sum += exp(x_row[d] - max);
    sum = block_reduce_to_all<SumFold>(sum, shared, &result);
    const double log_sum = ::log(sum);
    for (std::int64_t d = threadIdx.x; d < length; d += blockDim.x)
      out_row[d] = static_cast<T>(log ? x_row[d] - max - log_sum : exp(x_row[d] - max) / sum);
  }
}

template <class T>
struct SoftmaxLaneBody {
  T* out;
  const T* x;
  Lanes lanes;
  bool log;
  __device__ void operator()(std::int64_t l) const {
    const std::int64_t step = lanes.inner, base = lanes.start(l);
    double max = -INFINITY;
    for (std::int64_t d = 0; d < lanes.length; ++d)
      max = fmax(max, static_cast<double>(x[base + d * step]));
    double sum = 0.0;
    for (std::int64_t d = 0; d < lanes.length; ++d) sum += exp(x[base + d * step] - max);
    const double log_sum = ::log(sum);
    for (std::int64_t d = 0; d < lanes.length; ++d) {
      const std::int64_t i = base + d * step;
      out[i] = static_cast<T>(log ? x[i] - max - log_sum : exp(x[i] - max) / sum);
    }
  }
};

// With y the forward's output: softmax: gx = y * (g - sum(g * y));
// log-softmax: gx = g - exp(y) * sum(g).
template <class T>
__device__ double backward_term(const T* g, const T* y, std::int64_t i, bool log) {
  return log ? static_cast<double>(g[i]) : static_cast<double>(g[i]) * y[i];
}
template <class T>
__device__ T backward_value(const T* g, const T* y, std::int64_t i, double sum, bool log) {
  return log ? static_cast<T>(g[i] - exp(static_cast<double>(y[i])) * sum)
             : static_cast<T>(y[i] * (g[i] - sum));
}

template <class T>
__global__ void softmax_backward_rows_kernel(T* grad_x, const T* grad_out, const T* y,
                                             std::int64_t rows, std::int64_t length, bool log) {
  __shared__ double shared[kMaxBlockThreads];
  __shared__ double result;
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const std::int64_t base = r * length;
    double sum = 0.0;
    for (std::int64_t d = threadIdx.x; d < length; d += blockDim.x)
      sum += backward_term(grad_out, y, base + d, log);
    sum = block_reduce_to_all<SumFold>(sum, shared, &result);
    for (std::int64_t d = threadIdx.x; d < length; d += blockDim.x)
      grad_x[base + d] = backward_value(grad_out, y, base + d, sum, log);
  }
}

template <class T>
struct SoftmaxBackwardLaneBody {
  T* grad_x;
  const T* grad_out;
  const T* y;
  Lanes lanes;
  bool log;
  __device__ void operator()(std::int64_t l) const {
    const std::int64_t step = lanes.inner, base = lanes.start(l);
    double sum = 0.0;
    for (std::int64_t d = 0; d < lanes.length; ++d)
      sum += backward_term(grad_out, y, base + d * step, log);
    for (std::int64_t d = 0; d < lanes.length; ++d)
      grad_x[base + d * step] = backward_value(grad_out, y, base + d * step, sum, log);
  }
};

unsigned int grid_for_rows(std::int64_t rows) {
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  return static_cast<unsigned int>(std::clamp<std::int64_t>(rows, 1, kMaxGrid));
}

}  // namespace

void CudaKernels::softmax(const Tensor& out, const Tensor& x, std::int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  select_device(op, out, x);
  const Lanes lanes = lanes_of(x, dim);
  if (lanes.count() == 0 || lanes.length == 0) return;
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (lanes.inner == 1) {
      softmax_rows_kernel<<<grid_for_rows(lanes.outer), block_threads_for(lanes.length), 0,
                            stream()>>>(out.data<T>(), x.data<T>(), lanes.outer, lanes.length, log);
      check_launch(op);
    } else {
      index_map(op, lanes.count(), SoftmaxLaneBody<T>{out.data<T>(), x.data<T>(), lanes, log});
    }
  });
}

void CudaKernels::softmax_backward(const Tensor& grad_x, const Tensor& grad_out, const Tensor& y,
                                   std::int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  select_device(op, grad_x, grad_out, y);
  const Lanes lanes = lanes_of(y, dim);
  if (lanes.count() == 0 || lanes.length == 0) return;
  visit_floating(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (lanes.inner == 1) {
      softmax_backward_rows_kernel<<<grid_for_rows(lanes.outer), block_threads_for(lanes.length), 0,
                                     stream()>>>(grad_x.data<T>(), grad_out.data<T>(), y.data<T>(),
                                                 lanes.outer, lanes.length, log);
      check_launch(op);
    } else {
      index_map(op, lanes.count(),
                SoftmaxBackwardLaneBody<T>{grad_x.data<T>(), grad_out.data<T>(), y.data<T>(), lanes,
                                           log});
    }
  });
}

}  // namespace chase::cuda

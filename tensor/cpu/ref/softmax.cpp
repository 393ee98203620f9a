// Softmax and log-softmax over one dim of a contiguous tensor, seen as
// [outer, D, inner]: each of the outer * inner lanes is D values `inner` apart.
// The maximum is subtracted before exponentiating, so no exp overflows and the
// largest term is exactly 1; sums are accumulated in double.
#include <cmath>
#include <limits>

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {
namespace {

struct Lanes {
  std::int64_t outer = 1, length, inner = 1;

  Lanes(const Tensor& x, std::int64_t dim) : length(x.size(dim)) {
    for (std::int64_t d = 0; d < dim; ++d) outer *= x.size(d);
    for (std::int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  }

  std::int64_t count() const { return outer * inner; }
  // Offset of the first element of lane l; its elements follow `inner` apart.
  std::int64_t start(std::int64_t l) const { return (l / inner) * length * inner + l % inner; }
};

constexpr std::int64_t parallel_threshold = 32768;

}  // namespace

void RefKernels::softmax(const Tensor& out, const Tensor& x, std::int64_t dim, bool log) {
  const Lanes lanes(x, dim);
  visit_floating(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const auto step = lanes.inner;
#pragma omp parallel for schedule(static) if (x.numel() > parallel_threshold)
    for (std::int64_t l = 0; l < lanes.count(); ++l) {
      const T* x_lane = px + lanes.start(l);
      T* out_lane = po + lanes.start(l);
      double max = -std::numeric_limits<double>::infinity();
      for (std::int64_t d = 0; d < lanes.length; ++d) max = std::fmax(max, x_lane[d * step]);
      double sum = 0.0;
      for (std::int64_t d = 0; d < lanes.length; ++d) sum += std::exp(x_lane[d * step] - max);
      if (log) {
        const double log_sum = std::log(sum);
        for (std::int64_t d = 0; d < lanes.length; ++d)
          out_lane[d * step] = static_cast<T>(x_lane[d * step] - max - log_sum);
      } else {
        for (std::int64_t d = 0; d < lanes.length; ++d)
          out_lane[d * step] = static_cast<T>(std::exp(x_lane[d * step] - max) / sum);
      }
    }
  });
}

// With y the forward's output: softmax's Jacobian is diag(y) - y y^T, so
// gx = y * (g - sum(g * y)); log-softmax's is I - 1 softmax^T with softmax = exp(y),
// so gx = g - exp(y) * sum(g).
void RefKernels::softmax_backward(const Tensor& grad_x, const Tensor& grad_out, const Tensor& y,
                                  std::int64_t dim, bool log) {
  const Lanes lanes(y, dim);
  visit_floating(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pg = grad_out.data<T>();
    const T* py = y.data<T>();
    T* pgx = grad_x.data<T>();
    const auto step = lanes.inner;
#pragma omp parallel for schedule(static) if (y.numel() > parallel_threshold)
    for (std::int64_t l = 0; l < lanes.count(); ++l) {
      const auto base = lanes.start(l);
      double sum = 0.0;
      for (std::int64_t d = 0; d < lanes.length; ++d) {
        const auto i = base + d * step;
        sum += log ? pg[i] : pg[i] * py[i];
      }
      for (std::int64_t d = 0; d < lanes.length; ++d) {
        const auto i = base + d * step;
        pgx[i] = log ? static_cast<T>(pg[i] - std::exp(static_cast<double>(py[i])) * sum)
                     : static_cast<T>(py[i] * (pg[i] - sum));
      }
    }
  });
}

}  // namespace chase

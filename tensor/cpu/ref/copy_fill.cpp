// Copies, fills and random streams: what creating and converting tensors needs.
#include <cmath>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/cpu/ref/strided.h"
#include "tensor/random.h"

namespace chase {

void RefKernels::copy(const Tensor& dst, const Tensor& src) {
  CHASE_CHECK(src.device().is_cpu(), "copy: reference kernels read only cpu tensors, got {}",
              src.device().str());
  visit_dtype(dst.dtype(), [&](auto dst_zero) {
    visit_dtype(src.dtype(), [&](auto src_zero) {
      using D = decltype(dst_zero);
      using S = decltype(src_zero);
      D* out = dst.data<D>();
      const S* in = src.data<S>();
      for_each_row<2>(dst.shape(), {dst.strides(), src.strides()},
                      [&](auto base, auto step, std::int64_t n) {
                        for (std::int64_t i = 0; i < n; ++i)
                          out[base[0] + i * step[0]] = static_cast<D>(in[base[1] + i * step[1]]);
                      });
    });
  });
}

void RefKernels::fill(const Tensor& dst, double value) {
  visit_dtype(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = dst.data<T>();
    const T v = static_cast<T>(value);
    for_each_row<1>(dst.shape(), {dst.strides()}, [&](auto base, auto step, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) out[base[0] + i * step[0]] = v;
    });
  });
}

// arange, uniform and normal compute a + b * c as one explicit fma: the CUDA
// kernels do the same, so both devices give the same bits whatever a host
// compiler would contract on its own (g++ does under -march=x86-64-v3, not
// without FMA).
void RefKernels::arange(const Tensor& dst, double start, double step) {
  visit_dtype(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = dst.data<T>();
    for (std::int64_t i = 0; i < dst.numel(); ++i)
      out[i] = static_cast<T>(std::fma(static_cast<double>(i), step, start));
  });
}

void RefKernels::uniform(const Tensor& dst, double low, double high, std::uint64_t seed,
                         std::uint64_t offset) {
  visit_floating(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = dst.data<T>();
    const auto n = dst.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i) {
      auto u = sizeof(T) == 4 ? static_cast<double>(philox_uniform_f32(seed, offset + i))
                              : philox_uniform_f64(seed, offset + i);
      out[i] = static_cast<T>(std::fma(high - low, u, low));
    }
  });
}

void RefKernels::normal(const Tensor& dst, double mean, double stddev, std::uint64_t seed,
                        std::uint64_t offset) {
  visit_floating(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = dst.data<T>();
    const auto n = dst.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i)
      out[i] = static_cast<T>(std::fma(stddev, philox_normal(seed, offset + i), mean));
  });
}

Kernels& reference_kernels() {
  static RefKernels kernels;
  return kernels;
}

}  // namespace chase

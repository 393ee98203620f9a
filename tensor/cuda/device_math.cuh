// The scalar functions of the elementwise kernels, for float and double on
// the device (nvcc only). Each is the single-precision function for float and
// the double one for double, never an approximate intrinsic, so results stay
// within CUDA's documented 1-2 ulp of the reference backend's std:: functions.
#pragma once

#include <cstdint>
#include <type_traits>

namespace chase::cuda {

template <class T>
__device__ inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return isnan(v);
  else
    return false;
}

// fabs for floats (so that -0 becomes +0, as std::abs does); negation for i64.
__device__ inline float device_abs(float v) { return fabsf(v); }
__device__ inline double device_abs(double v) { return fabs(v); }
__device__ inline std::int64_t device_abs(std::int64_t v) { return v < 0 ? -v : v; }
__device__ inline float device_exp(float v) { return expf(v); }
__device__ inline double device_exp(double v) { return exp(v); }
__device__ inline float device_log(float v) { return logf(v); }
__device__ inline double device_log(double v) { return log(v); }
__device__ inline float device_sqrt(float v) { return sqrtf(v); }
__device__ inline double device_sqrt(double v) { return sqrt(v); }
__device__ inline float device_tanh(float v) { return tanhf(v); }
__device__ inline double device_tanh(double v) { return tanh(v); }
__device__ inline float device_erf(float v) { return erff(v); }
__device__ inline double device_erf(double v) { return erf(v); }
__device__ inline float device_pow(float a, float b) { return powf(a, b); }
__device__ inline double device_pow(double a, double b) { return pow(a, b); }

}  // namespace chase::cuda

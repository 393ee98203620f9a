// Helpers shared by the test suites: random inputs, tensor comparison with a
// readable failure message, and the path of committed test data.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "tensor/ops.h"

namespace chase::test {

inline constexpr DType floating_dtypes[] = {DType::f32, DType::f64};

inline Tensor random_tensor(const Shape& shape, std::uint64_t seed, DType dtype = DType::f32,
                            double low = -1.0, double high = 1.0) {
  Generator gen(seed);
  return uniform(shape, low, high, gen, dtype);
}

// Fails the current test case with the worst element when a and b differ by
// more than atol + rtol * |b| anywhere.
inline void check_close(const Tensor& a, const Tensor& b, double rtol, double atol,
                        const std::string& what = "") {
  INFO(what);
  REQUIRE_MESSAGE(a.shape() == b.shape(),
                  "shapes differ: " << to_string(a.shape()) << " vs " << to_string(b.shape()));
  auto va = a.to_vector(), vb = b.to_vector();
  std::size_t worst = 0;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    double excess = std::abs(va[i] - vb[i]) - (atol + rtol * std::abs(vb[i]));
    if (std::isnan(va[i]) != std::isnan(vb[i])) excess = INFINITY;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  CHECK_MESSAGE(worst_excess <= 0.0, "element " << worst << ": " << va[worst] << " vs "
                                                << vb[worst] << " (rtol " << rtol << ", atol "
                                                << atol << ")");
}

// The relative error of hand-computed values: a few roundings of the dtype.
inline double rtol_for(DType dtype) { return dtype == DType::f32 ? 1e-6 : 1e-14; }

// actual has `dtype` and equals the hand-computed `expected` of `shape` (given
// exactly, in decimal) to the dtype's rounding.
inline void check_values(const Tensor& actual, std::initializer_list<double> expected,
                         const Shape& shape, DType dtype, const std::string& what = "") {
  CHECK(actual.dtype() == dtype);
  check_close(actual, Tensor::from_vector(expected, shape, DType::f64), rtol_for(dtype),
              rtol_for(dtype), what);
}

inline std::string test_data_path(const std::string& relative) {
  const char* root = std::getenv("CHASE_TEST_DATA");
  return std::string(root ? root : "tests") + "/" + relative;
}

}  // namespace chase::test

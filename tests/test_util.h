// Helpers shared by the test suites: random inputs, tensor comparison with a
// readable failure message, and the path of committed test data.
#pragma once

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
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

// How far `actual` lies outside atol + rtol * |expected|: <= 0 when close
// enough. Non-finite values compare by class and sign: NaN matches NaN, +inf
// matches +inf and -inf matches -inf, and anything else against a non-finite
// value is infinitely far (|a - b| - tolerance would be NaN for an expected
// infinity, and a NaN excess never fails).
inline double close_excess(double actual, double expected, double rtol, double atol) {
  if (std::isnan(actual) || std::isnan(expected)) {
    return std::isnan(actual) && std::isnan(expected) ? -1.0 : INFINITY;
  }
  if (std::isinf(actual) || std::isinf(expected)) return actual == expected ? -1.0 : INFINITY;
  return std::abs(actual - expected) - (atol + rtol * std::abs(expected));
}

// Fails the current test case with the worst element when a and b differ by
// more than atol + rtol * |b| anywhere (non-finite values as close_excess).
inline void check_close(const Tensor& a, const Tensor& b, double rtol, double atol,
                        const std::string& what = "") {
  INFO(what);
  REQUIRE_MESSAGE(a.shape() == b.shape(),
                  "shapes differ: " << to_string(a.shape()) << " vs " << to_string(b.shape()));
  auto va = a.to_vector(), vb = b.to_vector();
  std::size_t worst = 0;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    const double excess = close_excess(va[i], vb[i], rtol, atol);
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  CHECK_MESSAGE(worst_excess <= 0.0, "element " << worst << ": " << va[worst] << " vs "
                                                << vb[worst] << " (rtol " << rtol << ", atol "
                                                << atol << ")");
}

// Fails unless `actual` equals `expected` bit for bit, element by element (as
// doubles: the sign of a zero counts, every NaN equals every NaN): for results
// that are exact by definition (abs, neg, relu, copies, integer ops).
inline void check_exact(const Tensor& actual, std::initializer_list<double> expected,
                        const std::string& what = "") {
  INFO(what);
  REQUIRE(static_cast<std::size_t>(actual.numel()) == expected.size());
  const auto values = actual.to_vector();
  std::size_t i = 0;
  for (double want : expected) {
    const double got = values[i];
    const bool same = std::isnan(got) ? std::isnan(want)
                                      : std::bit_cast<std::uint64_t>(got) ==
                                            std::bit_cast<std::uint64_t>(want);
    const std::string note = got == want ? " (zeros of different sign)" : "";
    CHECK_MESSAGE(same, "element " << i << ": " << got << " vs " << want << note);
    ++i;
  }
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

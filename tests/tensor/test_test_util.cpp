// The test suite's own closeness check (tests/test_util.h) fails where it
// should: an expected infinity is matched only by the same infinity, NaN only by
// NaN, and signed zeros are equal.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "tests/test_util.h"

namespace chase {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST_CASE("test util: close_excess compares non-finite values by class and sign") {
  CHECK(test::close_excess(kInf, kInf, 1e-6, 1e-6) <= 0);
  CHECK(test::close_excess(-kInf, -kInf, 1e-6, 1e-6) <= 0);
  CHECK(test::close_excess(kNaN, kNaN, 1e-6, 1e-6) <= 0);
  CHECK(test::close_excess(-kInf, kInf, 1e-6, 1e-6) > 0);
  CHECK(test::close_excess(1e300, kInf, 1e-6, 1e-6) > 0);
  CHECK(test::close_excess(kInf, 1e300, 1e-6, 1e-6) > 0);
  CHECK(test::close_excess(kNaN, kInf, 1e-6, 1e-6) > 0);
  CHECK(test::close_excess(0.0, kNaN, 1e-6, 1e-6) > 0);
  CHECK(test::close_excess(-0.0, 0.0, 0.0, 0.0) <= 0);
  CHECK(test::close_excess(1.0 + 1e-7, 1.0, 1e-6, 0.0) <= 0);
  CHECK(test::close_excess(1.0 + 1e-5, 1.0, 1e-6, 0.0) > 0);
}

// Each of these must fail: doctest counts the case as passed only if it does.
TEST_CASE("test util: check_close fails on an infinity of the wrong sign" *
          doctest::should_fail()) {
  test::check_close(Tensor::from_vector({-kInf}, {1}, DType::f64),
                    Tensor::from_vector({kInf}, {1}, DType::f64), 1e-6, 1e-6);
}

TEST_CASE("test util: check_close fails on a finite value where infinity is expected" *
          doctest::should_fail()) {
  test::check_close(Tensor::from_vector({3.0}, {1}, DType::f64),
                    Tensor::from_vector({kInf}, {1}, DType::f64), 1e-6, 1e-6);
}

TEST_CASE("test util: check_exact fails on a zero of the wrong sign" * doctest::should_fail()) {
  test::check_exact(Tensor::from_vector({-0.0}, {1}, DType::f64), {0.0});
}

TEST_CASE("test util: check_exact fails on one rounding of difference" * doctest::should_fail()) {
  test::check_exact(Tensor::from_vector({std::nextafter(1.0, 2.0)}, {1}, DType::f64), {1.0});
}

}  // namespace
}  // namespace chase

// Reductions: hand-computed values over every kind of dim set, keepdim,
// strided inputs, accuracy of long f32 sums, empty inputs and errors.
#include <cmath>
#include <limits>
#include <numeric>

#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::check_values;
using chase::test::floating_dtypes;
using chase::test::random_tensor;
using chase::test::rtol_for;

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

// x[i, j, k] = 12 i + 4 j + k
Tensor counting(DType dtype) { return arange(0, 24, 1, dtype).view({2, 3, 4}); }

}  // namespace

TEST_CASE("sum, mean, max and min over every kind of dim set") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = counting(dtype);
    check_values(sum(x), {276}, {}, dtype, "sum all");
    check_values(mean(x), {11.5}, {}, dtype, "mean all");
    check_values(max(x), {23}, {}, dtype, "max all");
    check_values(min(x), {0}, {}, dtype, "min all");
    check_values(sum(x, {0}), {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}, {3, 4}, dtype,
                 "sum leading dim");
    check_values(sum(x, {-1}), {6, 22, 38, 54, 70, 86}, {2, 3}, dtype, "sum dim -1");
    check_values(sum(x, {0, 2}), {60, 92, 124}, {3}, dtype, "sum dims 0, 2");
    check_values(sum(x, {2, -3}), {60, 92, 124}, {3}, dtype, "dims in any order");
    check_values(mean(x, {1}), {4, 5, 6, 7, 16, 17, 18, 19}, {2, 4}, dtype, "mean middle dim");
    check_values(max(x, {0, 1}), {20, 21, 22, 23}, {4}, dtype, "max dims 0, 1");
    check_values(min(x, {0, 1}), {0, 1, 2, 3}, {4}, dtype, "min dims 0, 1");
    check_values(max(x, {-1}), {3, 7, 11, 15, 19, 23}, {2, 3}, dtype, "max dim -1");
  }
}

TEST_CASE("keepdim leaves size-1 dims in place of the reduced ones") {
  auto x = counting(DType::f64);
  CHECK(sum(x, {0, 2}, true).shape() == Shape{1, 3, 1});
  check_values(sum(x, {0, 2}, true), {60, 92, 124}, {1, 3, 1}, DType::f64);
  CHECK(mean(x, {}, true).shape() == Shape{1, 1, 1});
  CHECK(max(x, {-1}, true).shape() == Shape{2, 3, 1});
  CHECK(argmax(x, 1, true).shape() == Shape{2, 1, 4});
  CHECK(var(x, {1}, 1, true).shape() == Shape{2, 1, 4});
}

TEST_CASE("reductions read transposed and broadcast views") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto t = counting(dtype).transpose(0, 2);  // [4, 3, 2]: t[k, j, i] = x[i, j, k]
    check_values(sum(t, {0}), {6, 54, 22, 70, 38, 86}, {3, 2}, dtype, "transposed");
    auto row = Tensor::from_vector({1, -2, 3}, {3}, dtype);
    check_values(sum(row.expand({4, 3}), {0}), {4, -8, 12}, {3}, dtype, "stride-0 dim");
    check_values(max(row.expand({4, 3}), {1}), {3, 3, 3, 3}, {4}, dtype, "stride-0 rows");
  }
}

TEST_CASE("argmax and argmin give i64 positions, the first extremum winning") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({1, 5, 5, 7, -1, 7}, {2, 3}, dtype);
    check_values(argmax(x, 1), {1, 0}, {2}, DType::i64, "argmax dim 1");
    check_values(argmin(x, 1), {0, 1}, {2}, DType::i64, "argmin dim 1");
    check_values(argmax(x, 0), {1, 0, 1}, {3}, DType::i64, "argmax dim 0");
    check_values(argmin(x, -2), {0, 1, 0}, {3}, DType::i64, "argmin dim -2");
    check_values(argmax(x, -1, true), {1, 0}, {2, 1}, DType::i64, "keepdim");
  }
}

TEST_CASE("max and argmax propagate NaN, as PyTorch") {
  auto x = Tensor::from_vector({1, quiet_nan, 3, quiet_nan}, {4}, DType::f64);
  CHECK(std::isnan(max(x).item()));
  CHECK(std::isnan(min(x).item()));
  CHECK(argmax(x, 0).item() == 1);
  CHECK(argmin(x, 0).item() == 1);
}

TEST_CASE("var: unbiased, population, over dims and with a large mean") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4}, dtype);
    check_values(var(x, {1}), {5.0 / 3, 20.0 / 3}, {2}, dtype, "unbiased");
    check_values(var(x, {1}, 0), {1.25, 5}, {2}, dtype, "population");
    check_values(var(x), {37.5 / 7}, {}, dtype, "all");
    check_values(var(x, {0}, 1, true), {0.5, 2, 4.5, 8}, {1, 4}, dtype, "dim 0, keepdim");
    // E[x^2] - E[x]^2 would lose every digit here; the two-pass form is exact.
    double offset = dtype == DType::f32 ? 1e4 : 1e8;
    auto shifted = add(Tensor::from_vector({1, 2, 3, 4}, {4}, dtype), offset);
    check_values(var(shifted), {5.0 / 3}, {}, dtype, "large mean");
  }
  // N - correction <= 0 divides by zero: NaN for a constant, inf otherwise.
  CHECK(std::isnan(var(ones({1}, DType::f64)).item()));
  CHECK(std::isinf(var(Tensor::from_vector({1, 3}, {2}, DType::f64), {}, 2).item()));
  CHECK_THROWS_WITH_AS(var(ones({2}), {}, -1), "var: correction must be >= 0, got -1", Error);
}

TEST_CASE("sum_to undoes broadcasting") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = counting(dtype);
    check_values(sum_to(x, {3, 1}), {60, 92, 124}, {3, 1}, dtype, "[3, 1]");
    check_values(sum_to(x, {4}), {60, 66, 72, 78}, {4}, dtype, "[4]");
    check_values(sum_to(x, {1, 3, 4}), {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}, {1, 3, 4},
                 dtype, "[1, 3, 4]");
    check_values(sum_to(x, {}), {276}, {}, dtype, "scalar");
    CHECK(sum_to(x, {2, 3, 4}).to_vector() == x.to_vector());
    CHECK(sum_to(sum(x, {0}, true), {3, 4}).shape() == Shape{3, 4});
  }
  CHECK_THROWS_WITH_AS(sum_to(ones({2, 3, 4}), {3}),
                       "sum_to: shape [3] does not broadcast to the tensor's shape [2, 3, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(sum_to(ones({3}), {2, 3}),
                       "sum_to: shape [2, 3] does not broadcast to the tensor's shape [3]", Error);
}

TEST_CASE("f32 sums accumulate in double") {
  // A float accumulator drifts to about 100958 here; the exact sum of a million
  // copies of float(0.1) is 100000.00149..., which rounds to 100000 in f32.
  auto x = full({1000000}, 0.1, DType::f32);
  double exact = 1e6 * static_cast<double>(0.1f);
  CHECK(sum(x).item() == static_cast<double>(static_cast<float>(exact)));
  CHECK(mean(x.view({1000, 1000}), {1}).to_vector()[999] == static_cast<double>(0.1f));
}

TEST_CASE("many rows and a few long rows agree with host sums") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    for (Shape shape : {Shape{300, 257}, Shape{2, 70001}, Shape{3, 5}}) {
      auto x = random_tensor(shape, 7, dtype);
      auto v = x.to_vector();
      std::vector<double> rows(shape[0]), columns(shape[1]), maxima(shape[0], -INFINITY);
      for (std::int64_t i = 0; i < shape[0]; ++i)
        for (std::int64_t j = 0; j < shape[1]; ++j) {
          double e = v[i * shape[1] + j];
          rows[i] += e;
          columns[j] += e;
          maxima[i] = std::max(maxima[i], e);
        }
      double total = std::accumulate(rows.begin(), rows.end(), 0.0);
      // Sums of uniform(-1, 1) values may cancel, so compare against the scale
      // of the terms (sqrt of their count) rather than the result.
      double scale = std::sqrt(static_cast<double>(x.numel())) * rtol_for(dtype);
      check_close(sum(x, {1}), Tensor::from_vector(rows, {shape[0]}, DType::f64), 0, scale, "rows");
      check_close(sum(x, {0}), Tensor::from_vector(columns, {shape[1]}, DType::f64), 0, scale,
                  "columns");
      CHECK(std::abs(sum(x).item() - total) <= scale);
      check_close(max(x, {1}), Tensor::from_vector(maxima, {shape[0]}, DType::f64), 0, 0, "maxima");
    }
  }
}

TEST_CASE("reductions over a leading dim and over separated dims agree with host loops") {
  // [3, 4, 5, 300]: dims {0} reduce columns of 6000 (several column blocks);
  // dims {0, 2, 3} are two runs around the kept dim 1, reduced in two steps.
  const Shape shape{3, 4, 5, 300};
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = random_tensor(shape, 11, dtype);
    auto v = x.to_vector();
    std::vector<double> lead_sum(4 * 5 * 300), lead_max(4 * 5 * 300, -INFINITY);
    std::vector<double> chan_sum(4), chan_min(4, INFINITY);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::size_t rest = i % lead_sum.size(), channel = rest / 1500;
      lead_sum[rest] += v[i];
      lead_max[rest] = std::max(lead_max[rest], v[i]);
      chan_sum[channel] += v[i];
      chan_min[channel] = std::min(chan_min[channel], v[i]);
    }
    const double tol = 10 * rtol_for(dtype);  // a few roundings of values of size <= 3
    check_close(sum(x, {0}), Tensor::from_vector(lead_sum, {4, 5, 300}, DType::f64), 0, tol,
                "sum dim 0");
    check_close(max(x, {0}), Tensor::from_vector(lead_max, {4, 5, 300}, DType::f64), 0, 0,
                "max dim 0");
    // 4500 terms, which may cancel: the scale of their sum, as for the rows above.
    check_close(sum(x, {0, 2, 3}), Tensor::from_vector(chan_sum, {4}, DType::f64), 0,
                std::sqrt(4500.0) * rtol_for(dtype), "sum dims 0, 2, 3");
    std::vector<double> chan_mean(4);
    for (int c = 0; c < 4; ++c) chan_mean[c] = chan_sum[c] / 4500;
    check_close(mean(x, {0, 2, 3}, true), Tensor::from_vector(chan_mean, {1, 4, 1, 1}, DType::f64),
                0, tol, "mean dims 0, 2, 3");
    check_close(min(x, {3, 0, 2}), Tensor::from_vector(chan_min, {4}, DType::f64), 0, 0,
                "min dims 0, 2, 3");
  }
}

TEST_CASE("argmax over a leading dim: first extremum per column, NaN wins") {
  // Column j of the [3, 300] input: ties, a later maximum, a NaN.
  auto x = zeros({3, 300}, DType::f64);
  auto* p = x.data<double>();
  p[300 + 1] = 1;      // column 1: maximum in row 1
  p[2 * 300 + 1] = 1;  // ... tied in row 2: row 1 wins
  p[2 * 300 + 299] = 4;
  p[300 + 7] = NAN;
  auto am = argmax(x, 0).to_vector();
  CHECK(am[0] == 0);  // all equal: the first
  CHECK(am[1] == 1);
  CHECK(am[299] == 2);
  CHECK(am[7] == 1);
  CHECK(std::isnan(max(x, {0}).to_vector()[7]));
  CHECK(argmin(x, 0).to_vector()[7] == 1);
}

TEST_CASE("argmax of long rows finds the first maximum across chunks") {
  auto x = zeros({2, 100000});
  auto* p = x.data<float>();
  p[50000] = 5;
  p[90000] = 5;
  p[100000 + 99999] = 2;
  p[100000 + 70000] = -3;
  check_values(argmax(x, 1), {50000, 99999}, {2}, DType::i64);
  check_values(argmin(x, 1), {0, 70000}, {2}, DType::i64);
  p[70000] = NAN;
  check_values(argmax(x, 1), {70000, 99999}, {2}, DType::i64, "NaN wins");
  CHECK(std::isnan(max(x, {1}).to_vector()[0]));
}

TEST_CASE("i64 sums, extrema and arg-extrema stay in integers") {
  auto x = Tensor::from_vector({9007199254740992.0, 1, -4, 3}, {2, 2}, DType::i64);
  // 2^53 + 1 has no double: the sum must stay in integers all the way.
  auto total = sum(x, {1});
  CHECK(total.dtype() == DType::i64);
  CHECK(total.data<std::int64_t>()[0] == 9007199254740993);
  check_values(max(x, {0}), {9007199254740992.0, 3}, {2}, DType::i64);
  check_values(min(x, {1}), {1, -4}, {2}, DType::i64);
  check_values(argmin(x, 1), {1, 0}, {2}, DType::i64);
  CHECK_THROWS_WITH_AS(mean(x), "mean: needs a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(var(x), "var: needs a floating dtype (f32 or f64), got i64", Error);
}

TEST_CASE("reducing over zero elements: sum 0, mean NaN, max an error") {
  auto empty = zeros({0, 3});
  check_values(sum(empty, {0}), {0, 0, 0}, {3}, DType::f32);
  check_values(mean(empty, {0}), {quiet_nan, quiet_nan, quiet_nan}, {3}, DType::f32);
  check_values(sum(empty), {0}, {}, DType::f32);
  CHECK(max(empty, {1}).shape() == Shape{0});  // nothing to reduce, nothing to report
  CHECK_THROWS_WITH_AS(max(empty, {0}),
                       "max: cannot reduce over zero elements (shape [0, 3], dims [0])", Error);
  CHECK_THROWS_WITH_AS(argmin(empty, 0),
                       "argmin: cannot reduce over zero elements (shape [0, 3], dims [0])", Error);
}

TEST_CASE("bad dims are reported with the op's name") {
  auto x = ones({2, 3, 4});
  CHECK_THROWS_WITH_AS(sum(x, {3}), "sum: dim 3 out of range for a tensor of 3 dims", Error);
  CHECK_THROWS_WITH_AS(mean(x, {-4}), "mean: dim -4 out of range for a tensor of 3 dims", Error);
  CHECK_THROWS_WITH_AS(max(x, {1, -2}), "max: dim 1 appears twice in dims [1, -2]", Error);
  CHECK_THROWS_WITH_AS(argmax(x, 5), "argmax: dim 5 out of range for a tensor of 3 dims", Error);
  CHECK_THROWS_WITH_AS(var(x, {0, 0}), "var: dim 0 appears twice in dims [0, 0]", Error);
}

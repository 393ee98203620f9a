// Elementwise ops and reductions on the GPU against the reference backend.
//
// Tolerances. +, -, *, / and comparisons are correctly rounded on both
// devices: exact agreement. CUDA's single-precision exp, log, tanh, erf, pow
// are within 1-4 ulp (CUDA C Programming Guide, "Mathematical Functions"),
// glibc's within 1-2, and composites (gelu, sigmoid) add an operation or two:
// 1e-6 relative for f32 (~8 ulp), 1e-13 for f64. Sums accumulate in double on
// both devices, in different orders: f32 results agree to a rounding, 1e-6;
// f64 sums of ~1e4 terms to ~1e4 * 2^-53 relative of the magnitudes: 1e-12.
#include <cuda_runtime_api.h>

#include <limits>

#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_parity;
using chase::test::exact;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;
using chase::test::Tolerance;

namespace {

Tolerance math_tolerance(DType dtype) {
  return dtype == DType::f32 ? Tolerance{1e-6, 1e-7} : Tolerance{1e-13, 1e-15};
}
Tolerance sum_tolerance(DType dtype) {
  return dtype == DType::f32 ? Tolerance{1e-6, 1e-6} : Tolerance{1e-12, 1e-12};
}

}  // namespace

// gelu(v) = v Phi(v) with Phi = (1 + erf(v / sqrt 2)) / 2. For negative v, erf
// is near -1, where one of its ulps (2^-24 in f32, 2^-53 in f64) is a large
// part of 1 + erf: the two libraries' few-ulp differences in erf there become
// an absolute difference of about |v| * ulp in gelu, however small gelu is.
// Bounded for |v| <= 6 and 4 ulps of erf.
Tolerance gelu_tolerance(DType dtype) {
  return dtype == DType::f32 ? Tolerance{1e-6, 6 * 4 * 0x1.0p-24}
                             : Tolerance{1e-13, 6 * 4 * 0x1.0p-53};
}

TEST_CASE("unary ops on contiguous, transposed, strided and scalar inputs" * doctest::skip(no_usable_gpu())) {
  enum class Accuracy { exact, few_ulp, erf_tail };
  struct Unary {
    const char* name;
    Tensor (*fn)(const Tensor&);
    double low, high;
    Accuracy accuracy;
  };
  // sqrt and 1 / sqrt are correctly rounded on both devices.
  const Unary unaries[] = {
      {"neg", neg, -3, 3, Accuracy::exact},
      {"abs", abs, -3, 3, Accuracy::exact},
      {"sign", sign, -3, 3, Accuracy::exact},
      {"relu", relu, -3, 3, Accuracy::exact},
      {"sqrt", sqrt, 0, 4, Accuracy::exact},
      {"rsqrt", rsqrt, 0.01, 9, Accuracy::exact},
      {"exp", exp, -5, 5, Accuracy::few_ulp},
      {"log", log, 0.01, 9, Accuracy::few_ulp},
      {"sigmoid", sigmoid, -20, 20, Accuracy::few_ulp},
      {"tanh", tanh, -4, 4, Accuracy::few_ulp},
      {"erf", erf, -3, 3, Accuracy::few_ulp},
      {"gelu", gelu, -6, 6, Accuracy::erf_tail},
  };
  std::uint64_t seed = 10;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const auto& u : unaries) {
      const Tolerance tol = u.accuracy == Accuracy::exact     ? exact()
                            : u.accuracy == Accuracy::few_ulp ? math_tolerance(dtype)
                                                              : gelu_tolerance(dtype);
      const std::string what = std::string(u.name) + " " + std::string(name(dtype));
      const Tensor x = random_tensor({37, 29}, ++seed, dtype, u.low, u.high);
      auto f = u.fn;
      check_parity(
          {x}, [f](const auto& in) { return std::vector<Tensor>{f(in[0])}; }, tol, what);
      check_parity(
          {x}, [f](const auto& in) { return std::vector<Tensor>{f(in[0].transpose(0, 1))}; }, tol,
          what + " transposed");
      check_parity(
          {x}, [f](const auto& in) { return std::vector<Tensor>{f(in[0].slice(1, 1, 29, 3))}; },
          tol, what + " strided");
      check_parity(
          {x},
          [f](const auto& in) { return std::vector<Tensor>{f(in[0].select(0, 3).select(0, 4))}; },
          tol, what + " 0-d");
      check_parity(
          {x},
          [f](const auto& in) {
            return std::vector<Tensor>{f(in[0].select(1, 2).unsqueeze(0).expand({5, 37}))};
          },
          tol, what + " broadcast (stride 0)");
    }
  }
}

TEST_CASE("unary ops on i64 and NaN inputs follow the reference" * doctest::skip(no_usable_gpu())) {
  const Tensor ints = random_tensor({41}, 3, DType::f64, -20, 20).to(DType::i64);
  for (auto f : {neg, abs, sign, relu})
    check_parity(
        {ints}, [f](const auto& in) { return std::vector<Tensor>{f(in[0])}; }, exact(),
        "i64 unary");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor special = Tensor::from_vector({nan, -0.0, 0.0, -1.0, 2.0, INFINITY, -INFINITY}, {7});
  for (auto f : {abs, sign, relu, exp, sigmoid, tanh})
    check_parity(
        {special}, [f](const auto& in) { return std::vector<Tensor>{f(in[0])}; },
        math_tolerance(DType::f32), "special values");
}

TEST_CASE("binary ops with broadcasting and views, in every dtype they take" * doctest::skip(no_usable_gpu())) {
  struct Binary {
    const char* name;
    Tensor (*fn)(const Tensor&, const Tensor&);
    bool exact;
    bool integer;  // also defined on i64
  };
  const Binary binaries[] = {
      {"add", add, true, true},         {"sub", sub, true, true},
      {"mul", mul, true, true},         {"div", div, true, false},
      {"pow", pow, false, false},       {"maximum", maximum, true, true},
      {"minimum", minimum, true, true}, {"eq", eq, true, true},
      {"ne", ne, true, true},           {"lt", lt, true, true},
      {"le", le, true, true},           {"gt", gt, true, true},
      {"ge", ge, true, true},           {"gelu_backward", gelu_backward, false, false},
      {"tanh_backward", tanh_backward, true, false},
      {"sigmoid_backward", sigmoid_backward, true, false},
  };
  std::uint64_t seed = 100;
  for (DType dtype : {DType::f32, DType::f64, DType::i64}) {
    for (const auto& b : binaries) {
      if (dtype == DType::i64 && !b.integer) continue;
      const Tolerance tol = b.exact ? exact() : math_tolerance(dtype);
      const std::string what = std::string(b.name) + " " + std::string(name(dtype));
      // Positive a keeps pow real; a few repeated values exercise the comparisons' ties.
      const Tensor a = random_tensor({5, 1, 7}, ++seed, DType::f64, 0.5, 4).to(dtype);
      const Tensor c = random_tensor({6, 7}, ++seed, DType::f64, 0.5, 4).to(dtype);
      const Tensor e = random_tensor({12, 7}, ++seed, DType::f64, 0.5, 4).to(dtype);
      auto f = b.fn;
      check_parity(
          {a, c}, [f](const auto& in) { return std::vector<Tensor>{f(in[0], in[1])}; }, tol,
          what + " broadcast [5,1,7] with [6,7]");
      check_parity(
          {c, e},
          [f](const auto& in) {
            return std::vector<Tensor>{
                f(in[0].transpose(0, 1), in[1].slice(0, 0, 12, 2).transpose(0, 1))};
          },
          tol, what + " transposed and strided views");
      check_parity(
          {c}, [f](const auto& in) { return std::vector<Tensor>{f(in[0], in[0])}; }, tol,
          what + " equal operands");
      check_parity(
          {a, c},
          [f](const auto& in) {
            return std::vector<Tensor>{f(in[0].select(0, 2).select(0, 0).select(0, 3), in[1])};
          },
          tol, what + " 0-d with [6,7]");
    }
  }
}

TEST_CASE("maximum and minimum propagate NaN as the reference does" * doctest::skip(no_usable_gpu())) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor a = Tensor::from_vector({nan, 1.0, nan, -2.0}, {4});
  const Tensor b = Tensor::from_vector({1.0, nan, nan, 3.0}, {4});
  for (auto f : {maximum, minimum})
    check_parity(
        {a, b}, [f](const auto& in) { return std::vector<Tensor>{f(in[0], in[1])}; }, exact(),
        "NaN");
}

TEST_CASE("where with conditions of every dtype and broadcast operands" * doctest::skip(no_usable_gpu())) {
  const Tensor cond = random_tensor({4, 1, 6}, 7, DType::f64, -1, 1);
  const Tensor a = random_tensor({5, 6}, 8);
  const Tensor b = random_tensor({4, 5, 1}, 9);
  for (DType cond_dtype : {DType::f32, DType::f64, DType::i64}) {
    check_parity(
        {cond, a, b},
        [cond_dtype](const auto& in) {
          return std::vector<Tensor>{where(gt(in[0], 0.0).to(cond_dtype), in[1], in[2])};
        },
        exact(), std::string("where, condition ") + std::string(name(cond_dtype)));
  }
}

TEST_CASE("reductions over rows short and long, few and many, with views first" * doctest::skip(no_usable_gpu())) {
  // [M, R]: one long row (split across blocks), few long rows, many short rows,
  // rows of 1, few long columns (split across threads) and an odd 3-d shape.
  // Over dim 0 the kernel reduces columns ([1, M, R]), over the last dim rows.
  const Shape shapes[] = {{1, 100003}, {3, 20000}, {4099, 7}, {513, 1}, {20011, 3}, {9, 33, 5}};
  std::uint64_t seed = 500;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const auto& shape : shapes) {
      const Tensor x = random_tensor(shape, ++seed, dtype, -1, 2);
      const std::string what = to_string(shape) + " " + std::string(name(dtype));
      check_parity(
          {x},
          [](const auto& in) {
            return std::vector<Tensor>{sum(in[0], {-1}), mean(in[0], {-1}), sum(in[0]),
                                       mean(in[0], {0})};
          },
          sum_tolerance(dtype), what + " sum/mean");
      check_parity(
          {x},
          [](const auto& in) {
            return std::vector<Tensor>{max(in[0], {-1}), min(in[0], {0}), argmax(in[0], -1),
                                       argmin(in[0], 0), max(in[0])};
          },
          exact(), what + " max/min/argmax/argmin");
    }
  }
  const Tensor x3 = random_tensor({6, 5, 4}, 77, DType::f64);
  check_parity(
      {x3},
      [](const auto& in) {
        return std::vector<Tensor>{sum(in[0].transpose(0, 2), {0, 2}), var(in[0], {1}),
                                   max(in[0], {0, 1}, true)};
      },
      sum_tolerance(DType::f64), "reductions over views");
}

namespace {

// values [R] as a row [1, R] and down two columns [R, 2], the second reversed,
// with the extrema of each along R.
std::vector<Tensor> extrema_of_rows_and_columns(const std::vector<Tensor>& in) {
  const Tensor& row = in[0];
  const Tensor& columns = in[1];
  return {argmax(row, 1),     argmin(row, 1),     max(row, {1}),     min(row, {1}),
          argmax(columns, 0), argmin(columns, 0), max(columns, {0}), min(columns, {0})};
}

std::vector<Tensor> row_and_columns(const std::vector<double>& values) {
  const auto length = static_cast<std::int64_t>(values.size());
  std::vector<double> down(2 * values.size());
  for (std::size_t r = 0; r < values.size(); ++r) {
    down[2 * r] = values[r];
    down[2 * r + 1] = values[values.size() - 1 - r];
  }
  return {Tensor::from_vector(values, {1, length}), Tensor::from_vector(down, {length, 2})};
}

}  // namespace

TEST_CASE("argmax/argmin keep the first extremum; NaN wins; i64 sums are exact" * doctest::skip(no_usable_gpu())) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Ties spread over a row (a column) long enough to be folded by several
  // threads and blocks (chunks).
  std::vector<double> values(20011, 1.0);
  values[5] = values[9000] = values[20000] = 3.0;
  values[7] = values[15000] = -3.0;
  check_parity(row_and_columns(values), extrema_of_rows_and_columns, exact(), "ties");
  values[12000] = nan;
  values[16000] = nan;
  check_parity(row_and_columns(values), extrema_of_rows_and_columns, exact(), "NaN");
  const Tensor ints = random_tensor({7, 3001}, 5, DType::f64, -1e6, 1e6).to(DType::i64);
  check_parity(
      {ints},
      [](const auto& in) {
        return std::vector<Tensor>{sum(in[0], {1}), sum(in[0]), max(in[0], {0}), argmin(in[0], 1)};
      },
      exact(), "i64");
}

TEST_CASE("reductions over zero elements: sum 0, mean NaN; no rows: nothing" *
          doctest::skip(no_usable_gpu())) {
  const Tensor empty_rows = zeros({3, 0});
  const Tensor empty_columns = zeros({0, 5});
  check_parity(
      {empty_rows, empty_columns},
      [](const auto& in) {
        return std::vector<Tensor>{sum(in[0], {1}), mean(in[0], {1}), sum(in[0]),
                                   mean(in[0]),     sum(in[1], {0}),  mean(in[1], {0}),
                                   sum(in[0], {0}), max(in[0], {0}),  argmin(in[0], 0)};
      },
      exact(), "empty rows and columns");
}

TEST_CASE("elementwise ops on empty tensors launch nothing" * doctest::skip(no_usable_gpu())) {
  const Tensor empty = zeros({0, 5});
  const Tensor row = random_tensor({5}, 12);
  check_parity(
      {empty, row},
      [](const auto& in) {
        return std::vector<Tensor>{exp(in[0]), add(in[0], in[1]), add(in[0].transpose(0, 1), 1.0),
                                   where(gt(in[0], 0.0), in[0], in[1])};
      },
      exact(), "empty");
}

namespace {

bool gpu_memory_below(std::size_t bytes) {
  cudaDeviceProp properties{};
  return cudaGetDeviceProperties(&properties, 0) != cudaSuccess ||
         properties.totalGlobalMem < bytes;
}

}  // namespace

// 2^31 + 3 elements (8 GiB per f32 tensor): every count, offset and index
// must be 64-bit. The reference would take minutes over this, so the inputs
// are constants whose results are known exactly instead.
TEST_CASE("maps and reductions index past 2^31 elements" *
          doctest::skip(no_usable_gpu() || gpu_memory_below(std::size_t{24} << 30))) {
  const std::int64_t n = (std::int64_t{1} << 31) + 3;
  // Two stride-0 operands: the strided path, offsets computed per element.
  const Tensor x = add(full({1}, 1.0, DType::f32, Device::cuda()).expand({n}), 2.0);
  fill_(x.narrow(0, n - 2, 1), -5.0);
  const Tensor y = neg(x);  // contiguous: the unit-stride path
  CHECK(y.narrow(0, n - 2, 1).item() == 5.0);
  CHECK(y.narrow(0, n - 1, 1).item() == -3.0);
  CHECK(y.narrow(0, 0, 1).item() == -3.0);
  CHECK(argmax(y, 0).item() == static_cast<double>(n - 2));
  CHECK(argmin(y, 0).item() == 0.0);
  CHECK(max(y).item() == 5.0);
  // Whole numbers sum exactly in the double accumulator; f32 rounds the total once.
  CHECK(sum(y).item() == static_cast<double>(static_cast<float>(-3.0 * (n - 1) + 5.0)));
}

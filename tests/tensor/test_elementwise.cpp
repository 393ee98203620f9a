// Elementwise ops: hand-computed values in f32 and f64, broadcasting over
// stride-0 and transposed views, i64 behaviour and the error messages.
// Every case runs on the reference kernels, the oracle whose exact semantics
// these values pin down; oneDNN's f32 fast paths are compared with them in
// the oneDNN suites.
#include <cmath>
#include <limits>
#include <numbers>

#include "tensor/kernels.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::check_exact;
using chase::test::check_values;
using chase::test::floating_dtypes;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;
using chase::test::rtol_for;

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

// The expected result of a binary op computed element by element on the host
// from the broadcast views (whose reading goes through the copy kernel only).
template <class F>
Tensor host_binary(const Tensor& a, const Tensor& b, F f) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), "host_binary");
  auto va = a.expand(shape).to_vector(), vb = b.expand(shape).to_vector();
  std::vector<double> out(va.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = f(va[i], vb[i]);
  return Tensor::from_vector(out, shape, DType::f64);
}

}  // namespace

TEST_CASE_FIXTURE(ReferenceBackend, "unary ops give hand-computed values in f32 and f64") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({-2, -0.5, 0, 1.5}, {2, 2}, dtype);
    check_values(neg(x), {2, 0.5, 0, -1.5}, {2, 2}, dtype, "neg");
    check_values(exp(x), {0.1353352832366127, 0.6065306597126334, 1, 4.4816890703380645}, {2, 2},
                 dtype, "exp");
    check_values(abs(x), {2, 0.5, 0, 1.5}, {2, 2}, dtype, "abs");
    check_values(sign(x), {-1, -1, 0, 1}, {2, 2}, dtype, "sign");
    check_values(relu(x), {0, 0, 0, 1.5}, {2, 2}, dtype, "relu");
    check_values(gelu(x), {-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713},
                 {2, 2}, dtype, "gelu");
    check_values(sigmoid(x), {0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437},
                 {2, 2}, dtype, "sigmoid");
    check_values(tanh(x), {-0.9640275800758169, -0.46211715726000974, 0, 0.9051482536448664},
                 {2, 2}, dtype, "tanh");
    check_values(erf(x), {-0.9953222650189527, -0.5204998778130465, 0, 0.9661051464753108}, {2, 2},
                 dtype, "erf");

    auto positive = Tensor::from_vector({0.5, 1, std::numbers::e, 10}, {4}, dtype);
    check_values(log(positive), {-0.6931471805599453, 0, 1, 2.302585092994046}, {4}, dtype, "log");
    auto squares = Tensor::from_vector({0, 0.25, 4, 2}, {4}, dtype);
    check_values(sqrt(squares), {0, 0.5, 2, 1.4142135623730951}, {4}, dtype, "sqrt");
    check_values(rsqrt(Tensor::from_vector({0.25, 4, 1}, {3}, dtype)), {2, 0.5, 1}, {3}, dtype,
                 "rsqrt");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "exact unary ops are exact at signed zeros and infinities") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({-inf, -0.0, 0.0, inf}, {4}, dtype);
    check_exact(abs(x), {inf, 0.0, 0.0, inf}, "abs");
    check_exact(neg(x), {inf, 0.0, -0.0, -inf}, "neg");
    check_exact(relu(x), {0.0, -0.0, 0.0, inf}, "relu");  // as PyTorch: max keeps -0
    check_exact(exp(x), {0.0, 1.0, 1.0, inf}, "exp");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "unary ops pass NaN through and saturate at the extremes") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({quiet_nan, -1000, 1000}, {3}, dtype);
    check_values(relu(x), {quiet_nan, 0, 1000}, {3}, dtype, "relu");
    check_values(sign(x), {quiet_nan, -1, 1}, {3}, dtype, "sign");
    check_values(sigmoid(x), {quiet_nan, 0, 1}, {3}, dtype, "sigmoid");
    check_values(gelu(x), {quiet_nan, 0, 1000}, {3}, dtype, "gelu");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "binary ops give hand-computed values in f32 and f64") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto a = Tensor::from_vector({1, -2, 3, 4, 5, -6}, {2, 3}, dtype);
    auto b = Tensor::from_vector({2, 4, -1, 0.5, 5, 2}, {2, 3}, dtype);
    check_values(add(a, b), {3, 2, 2, 4.5, 10, -4}, {2, 3}, dtype, "add");
    check_values(sub(a, b), {-1, -6, 4, 3.5, 0, -8}, {2, 3}, dtype, "sub");
    check_values(mul(a, b), {2, -8, -3, 2, 25, -12}, {2, 3}, dtype, "mul");
    check_values(div(a, b), {0.5, -0.5, -3, 8, 1, -3}, {2, 3}, dtype, "div");
    check_values(maximum(a, b), {2, 4, 3, 4, 5, 2}, {2, 3}, dtype, "maximum");
    check_values(minimum(a, b), {1, -2, -1, 0.5, 5, -6}, {2, 3}, dtype, "minimum");

    auto base = Tensor::from_vector({2, 9, 4, 0.5}, {4}, dtype);
    auto exponent = Tensor::from_vector({3, 0.5, -1, 2}, {4}, dtype);
    check_values(pow(base, exponent), {8, 3, 0.25, 0.25}, {4}, dtype, "pow");

    auto grad = Tensor::from_vector({1, 2, 0.5, -1}, {4}, dtype);
    auto x = Tensor::from_vector({0, 1, -1, 2.5}, {4}, dtype);
    check_values(gelu_backward(grad, x),
                 {0.5, 2.166630941175373, -0.041657735293843146, -1.037611085908145}, {4}, dtype,
                 "gelu_backward");
    // From the outputs y: grad (1 - y^2) and grad y (1 - y).
    auto y = Tensor::from_vector({0, 0.5, -0.75, 1}, {4}, dtype);
    check_values(tanh_backward(grad, y), {1, 1.5, 0.21875, 0}, {4}, dtype, "tanh_backward");
    auto p = Tensor::from_vector({0.5, 0.25, 0.75, 1}, {4}, dtype);
    check_values(sigmoid_backward(grad, p), {0.25, 0.375, 0.09375, 0}, {4}, dtype,
                 "sigmoid_backward");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend,
                  "gelu_backward is the derivative of gelu (central differences, f64)") {
  auto x = Tensor::from_vector({-3, -1.2, -0.1, 0, 0.3, 0.8, 2.2, 4}, {8}, DType::f64);
  const double h = 1e-6;
  auto numeric = div(sub(gelu(add(x, h)), gelu(sub(x, h))), 2 * h);
  check_close(gelu_backward(ones_like(x), x), numeric, 1e-8, 1e-9);
}

TEST_CASE_FIXTURE(ReferenceBackend,
                  "tanh_backward and sigmoid_backward are the derivatives from the outputs "
                  "(central differences, f64)") {
  auto x = Tensor::from_vector({-6, -1.2, -0.1, 0, 0.3, 0.8, 2.2, 9}, {8}, DType::f64);
  const double h = 1e-6;
  check_close(tanh_backward(ones_like(x), tanh(x)),
              div(sub(tanh(add(x, h)), tanh(sub(x, h))), 2 * h), 1e-8, 1e-9, "tanh");
  check_close(sigmoid_backward(ones_like(x), sigmoid(x)),
              div(sub(sigmoid(add(x, h)), sigmoid(sub(x, h))), 2 * h), 1e-8, 1e-9, "sigmoid");
}

TEST_CASE_FIXTURE(ReferenceBackend, "maximum and minimum propagate NaN from either side") {
  auto a = Tensor::from_vector({quiet_nan, 1, 2}, {3}, DType::f64);
  auto b = Tensor::from_vector({1, quiet_nan, 0}, {3}, DType::f64);
  check_values(maximum(a, b), {quiet_nan, quiet_nan, 2}, {3}, DType::f64);
  check_values(minimum(a, b), {quiet_nan, quiet_nan, 0}, {3}, DType::f64);
}

TEST_CASE_FIXTURE(ReferenceBackend, "comparisons give 1 and 0 in the inputs' dtype") {
  for (auto dtype : {DType::f32, DType::f64, DType::i64}) {
    INFO(name(dtype));
    auto a = Tensor::from_vector({1, 2, 3}, {3}, dtype);
    auto b = Tensor::from_vector({2, 2, 2}, {3}, dtype);
    check_values(eq(a, b), {0, 1, 0}, {3}, dtype, "eq");
    check_values(ne(a, b), {1, 0, 1}, {3}, dtype, "ne");
    check_values(lt(a, b), {1, 0, 0}, {3}, dtype, "lt");
    check_values(le(a, b), {1, 1, 0}, {3}, dtype, "le");
    check_values(gt(a, b), {0, 0, 1}, {3}, dtype, "gt");
    check_values(ge(a, b), {0, 1, 1}, {3}, dtype, "ge");
    check_values(gt(a, 1), {0, 1, 1}, {3}, dtype, "gt scalar");
    check_values(lt(a, 3), {1, 1, 0}, {3}, dtype, "lt scalar");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "scalar overloads broadcast the scalar in the tensor's dtype") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto a = Tensor::from_vector({1, -2, 4}, {3}, dtype);
    check_values(add(a, 2), {3, 0, 6}, {3}, dtype, "add");
    check_values(sub(a, 2), {-1, -4, 2}, {3}, dtype, "sub");
    check_values(mul(a, -0.5), {-0.5, 1, -2}, {3}, dtype, "mul");
    check_values(div(a, 4), {0.25, -0.5, 1}, {3}, dtype, "div");
    check_values(pow(a, 2), {1, 4, 16}, {3}, dtype, "pow");
    check_values(pow(Tensor::from_vector({4, 9}, {2}, dtype), 0.5), {2, 3}, {2}, dtype, "pow 0.5");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend,
                  "broadcasting follows NumPy: trailing alignment, size-1 and missing dims") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto matrix = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    auto row = Tensor::from_vector({10, 20, 30}, {3}, dtype);
    auto column = Tensor::from_vector({100, 200}, {2, 1}, dtype);
    check_values(add(matrix, row), {11, 22, 33, 14, 25, 36}, {2, 3}, dtype, "matrix + row");
    check_values(add(row, matrix), {11, 22, 33, 14, 25, 36}, {2, 3}, dtype, "row + matrix");
    check_values(sub(matrix, column), {-99, -98, -97, -196, -195, -194}, {2, 3}, dtype,
                 "matrix - column");
    // [2, 1] against [3]: an outer combination.
    check_values(mul(column, row), {1000, 2000, 3000, 2000, 4000, 6000}, {2, 3}, dtype, "outer");
    check_values(add(matrix, Tensor::scalar(1, dtype)), {2, 3, 4, 5, 6, 7}, {2, 3}, dtype, "0-d");
    // An explicitly expanded (stride-0) view is read like any other.
    auto expanded = row.expand({2, 3});
    CHECK(expanded.strides() == Shape{0, 1});
    check_values(sub(matrix, expanded), {-9, -18, -27, -6, -15, -24}, {2, 3}, dtype, "expanded");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "transposed and sliced inputs are read through their strides") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto m = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    auto t = m.transpose(0, 1);  // [[1, 4], [2, 5], [3, 6]]
    REQUIRE(!t.is_contiguous());
    check_values(neg(t), {-1, -4, -2, -5, -3, -6}, {3, 2}, dtype, "neg of transpose");
    auto ones_3x2 = ones({3, 2}, dtype);
    check_values(add(t, ones_3x2), {2, 5, 3, 6, 4, 7}, {3, 2}, dtype, "transpose + ones");
    // Every second column: [[1, 3], [4, 6]], against a transposed [2, 2].
    auto sliced = m.slice(1, 0, 3, 2);
    auto square = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, dtype).transpose(0, 1);
    check_values(mul(sliced, square), {1, 9, 8, 24}, {2, 2}, dtype, "slice * transpose");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend,
                  "large broadcasts agree with an element-by-element host computation") {
  // Sizes past the kernels' thread and chunk thresholds, with odd extents, so that
  // coalesced runs, chunked long rows and strided rows are all exercised.
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto big = random_tensor({37, 41, 53}, 1, dtype);
    auto plane = random_tensor({41, 1}, 2, dtype);
    auto scalar = Tensor::scalar(0.25, dtype);
    auto subtract = [](double a, double b) { return a - b; };
    auto multiply = [](double a, double b) { return a * b; };
    check_close(sub(big, plane), host_binary(big, plane, subtract), rtol_for(dtype), 0, "plane");
    check_close(mul(big, scalar), host_binary(big, scalar, multiply), rtol_for(dtype), 0, "scalar");
    auto permuted = big.permute({2, 0, 1});
    check_close(sub(permuted, scalar), host_binary(permuted, scalar, subtract), rtol_for(dtype), 0,
                "permuted");
    auto flat = random_tensor({100003}, 3, dtype);
    check_close(mul(flat, flat), host_binary(flat, flat, multiply), rtol_for(dtype), 0,
                "contiguous");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend,
                  "where selects by a condition of any dtype, with broadcasting") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto cond = Tensor::from_vector({1, 0}, {2, 1}, dtype);
    auto a = Tensor::from_vector({1, 2, 3}, {3}, dtype);
    auto b = Tensor::scalar(-1, dtype);
    check_values(where(cond, a, b), {1, 2, 3, -1, -1, -1}, {2, 3}, dtype, "where");
    auto mask = Tensor::from_vector({0, 5, -1}, {3}, DType::i64);
    check_values(where(mask, a, b), {-1, 2, 3}, {3}, dtype, "i64 mask");
    check_values(where(gt(a, 1.5), a, zeros_like(a)), {0, 2, 3}, {3}, dtype, "from gt");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "clamp bounds below, above or both, and keeps NaN") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({-2, 0.5, 3, quiet_nan}, {4}, dtype);
    check_values(clamp(x, -1, 1), {-1, 0.5, 1, quiet_nan}, {4}, dtype, "both");
    check_values(clamp(x, 0, std::nullopt), {0, 0.5, 3, quiet_nan}, {4}, dtype, "low");
    check_values(clamp(x, std::nullopt, 0), {-2, 0, 0, quiet_nan}, {4}, dtype, "high");
  }
  CHECK_THROWS_WITH_AS(clamp(ones({2}), std::nullopt, std::nullopt),
                       "clamp: needs a lower bound, an upper bound or both", Error);
  CHECK_THROWS_WITH_AS(clamp(ones({2}), 1, 0), "clamp: lower bound 1 is above upper bound 0",
                       Error);
}

TEST_CASE_FIXTURE(ReferenceBackend, "i64 tensors support the exact integer ops") {
  auto a = Tensor::from_vector({-3, 0, 7}, {3}, DType::i64);
  auto b = Tensor::from_vector({2, -5, 7}, {3}, DType::i64);
  check_values(neg(a), {3, 0, -7}, {3}, DType::i64);
  check_values(abs(a), {3, 0, 7}, {3}, DType::i64);
  check_values(sign(a), {-1, 0, 1}, {3}, DType::i64);
  check_values(relu(a), {0, 0, 7}, {3}, DType::i64);
  check_values(add(a, b), {-1, -5, 14}, {3}, DType::i64);
  check_values(sub(a, b), {-5, 5, 0}, {3}, DType::i64);
  check_values(mul(a, b), {-6, 0, 49}, {3}, DType::i64);
  check_values(maximum(a, b), {2, 0, 7}, {3}, DType::i64);
  check_values(minimum(a, b), {-3, -5, 7}, {3}, DType::i64);
  check_values(clamp(a, -1, 5), {-1, 0, 5}, {3}, DType::i64);
  check_values(add(a, 2), {-1, 2, 9}, {3}, DType::i64);

  // 2^53 + 1 has no double: the sum must stay in integers all the way.
  auto big = Tensor::from_vector({9007199254740992.0}, {1}, DType::i64);
  CHECK(add(big, 1).data<std::int64_t>()[0] == 9007199254740993);
}

TEST_CASE_FIXTURE(ReferenceBackend, "ops that need real numbers refuse i64 with the op's name") {
  auto i = Tensor::from_vector({1, 2}, {2}, DType::i64);
  CHECK_THROWS_WITH_AS(exp(i), "exp: needs a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(gelu(i), "gelu: needs a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(div(i, i), "div: needs a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(pow(i, 2), "pow: needs a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(add(i, 0.5), "add: scalar 0.5 is not a whole number, but the tensor is i64",
                       Error);
  // The reference kernels refuse as well, for callers that skip the ops.
  auto out = Tensor::empty({2}, DType::i64);
  CHECK_THROWS_WITH_AS(reference_kernels().unary(UnaryOp::sqrt, out, i),
                       "unary: sqrt is not defined for dtype i64", Error);
  CHECK_THROWS_WITH_AS(reference_kernels().binary(BinaryOp::gelu_backward, out, i, i),
                       "binary: gelu_backward is not defined for dtype i64", Error);
}

TEST_CASE_FIXTURE(ReferenceBackend, "mismatched dtypes and shapes are reported with both sides") {
  auto f = ones({2, 3});
  auto d = ones({2, 3}, DType::f64);
  CHECK_THROWS_WITH_AS(add(f, d), "add: dtypes differ, f32 and f64", Error);
  CHECK_THROWS_WITH_AS(gelu_backward(d, f), "gelu_backward: dtypes differ, f64 and f32", Error);
  CHECK_THROWS_WITH_AS(where(ones({3}), f, d), doctest::Contains("where: dtypes differ"), Error);
  CHECK_THROWS_WITH_AS(mul(f, ones({4})), "mul: shapes [2, 3] and [4] cannot be broadcast together",
                       Error);
  CHECK_THROWS_WITH_AS(where(ones({4}), f, f),
                       doctest::Contains("where: shapes [4] and [2, 3] cannot be broadcast"),
                       Error);
  CHECK_THROWS_WITH_AS(neg(Tensor()), "neg: got an undefined tensor", Error);
}

// softmax and log_softmax on the reference kernels: hand-computed values,
// stability for large inputs, any dim, gradients against central differences
// in f64, and the argument errors.
#include <cmath>

#include "tensor/ops.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::inner_product;
using chase::test::numerical_gradient;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;

TEST_CASE_FIXTURE(ReferenceBackend, "softmax and log_softmax by hand") {
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0);
  const double sum = e1 + e2 + e3;
  for (auto dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-6 : 1e-15;
    auto x = Tensor::from_vector({1, 2, 3}, {3}, dtype);
    check_close(softmax(x, 0), Tensor::from_vector({e1 / sum, e2 / sum, e3 / sum}, {3}, dtype),
                tol, tol);
    const double log_sum = std::log(sum);
    check_close(log_softmax(x, -1),
                Tensor::from_vector({1 - log_sum, 2 - log_sum, 3 - log_sum}, {3}, dtype), tol,
                tol);
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "softmax is stable for large and very negative inputs") {
  // exp(1000) overflows even f64 and exp(-1000) underflows; the shifted forms do
  // neither. (f64 so that 1000 + log 3 is represented to 1e-13.)
  auto x = Tensor::from_vector({1000, 1000 + std::log(3.0), -1000, -1000 - std::log(3.0)}, {2, 2},
                               DType::f64);
  check_close(softmax(x, 1), Tensor::from_vector({0.25, 0.75, 0.75, 0.25}, {2, 2}, DType::f64),
              1e-12, 1e-12);
  check_close(log_softmax(x, 1),
              Tensor::from_vector({std::log(0.25), std::log(0.75), std::log(0.75), std::log(0.25)},
                                  {2, 2}, DType::f64),
              1e-12, 1e-12);
}

TEST_CASE_FIXTURE(ReferenceBackend, "softmax along every dim of a 3-d tensor") {
  auto x = random_tensor({3, 4, 5}, 1, DType::f64, -3.0, 3.0);
  auto vx = x.to_vector();
  for (std::int64_t dim = 0; dim < 3; ++dim) {
    CAPTURE(dim);
    auto y = softmax(x, dim);
    auto log_y = log_softmax(x, dim);
    // Expected: exp(x) normalised by its sum along dim (the values here are small
    // enough to exponentiate directly).
    std::vector<double> expected(vx.size());
    const Shape strides = contiguous_strides(x.shape());
    for (std::size_t i = 0; i < vx.size(); ++i) {
      const auto pos = (static_cast<std::int64_t>(i) / strides[dim]) % x.size(dim);
      const auto first = static_cast<std::int64_t>(i) - pos * strides[dim];
      double sum = 0.0;
      for (std::int64_t d = 0; d < x.size(dim); ++d) sum += std::exp(vx[first + d * strides[dim]]);
      expected[i] = std::exp(vx[i]) / sum;
    }
    auto expected_t = Tensor::from_vector(expected, x.shape(), DType::f64);
    check_close(y, expected_t, 1e-14, 1e-15, "softmax");
    auto log_expected = expected;
    for (auto& e : log_expected) e = std::log(e);
    check_close(log_y, Tensor::from_vector(log_expected, x.shape(), DType::f64), 1e-13, 1e-13,
                "log_softmax");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "softmax backward passes match central differences (f64)") {
  auto x = random_tensor({2, 3, 4}, 2, DType::f64, -2.0, 2.0);
  auto g = random_tensor(x.shape(), 3, DType::f64);
  for (std::int64_t dim : {0, 1, 2}) {
    CAPTURE(dim);
    auto softmax_loss = [&] { return inner_product(softmax(x, dim), g); };
    check_close(softmax_backward(g, softmax(x, dim), dim), numerical_gradient(softmax_loss, x),
                1e-6, 1e-9, "softmax");
    auto log_softmax_loss = [&] { return inner_product(log_softmax(x, dim), g); };
    check_close(log_softmax_backward(g, log_softmax(x, dim), dim),
                numerical_gradient(log_softmax_loss, x), 1e-6, 1e-9, "log_softmax");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "softmax takes non-contiguous inputs, batch 1 and odd sizes") {
  auto x = random_tensor({7, 1, 3}, 4).permute({1, 2, 0});  // [1, 3, 7]
  REQUIRE(!x.is_contiguous());
  check_close(softmax(x, 2), softmax(x.contiguous(), 2), 0, 0);
  auto g = random_tensor({1, 3, 7}, 5).transpose(1, 2).contiguous().transpose(1, 2);
  auto y = log_softmax(x, 2);
  check_close(log_softmax_backward(g, y, 2), log_softmax_backward(g.contiguous(), y, 2), 0, 0);
}

TEST_CASE("softmax errors name the op, the expected and the actual") {
  CHECK_THROWS_WITH_AS(softmax(Tensor::empty({2, 3}), 2),
                       "softmax: dim 2 out of range for a tensor of 2 dims", Error);
  CHECK_THROWS_WITH_AS(log_softmax(Tensor::empty({2}, DType::i64), 0),
                       "log_softmax: input must be f32 or f64, got i64", Error);
  CHECK_THROWS_WITH_AS(softmax(Tensor::scalar(1), 0),
                       "softmax: expected at least 1 dim, got a scalar", Error);
  CHECK_THROWS_WITH_AS(softmax_backward(Tensor::empty({2, 4}), Tensor::empty({2, 3}), 1),
                       "softmax_backward: grad_out must have shape [2, 3], got [2, 4]", Error);
  CHECK_THROWS_WITH_AS(
      log_softmax_backward(Tensor::empty({2, 3}, DType::f64), Tensor::empty({2, 3}), 1),
      "log_softmax_backward: grad_out is f64 but output is f32", Error);
}

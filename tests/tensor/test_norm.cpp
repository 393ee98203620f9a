// Batch and layer normalisation on the reference kernels: hand-computed
// statistics, a naive per-channel computation, gradients against central
// differences in f64, optional affine parameters, and the argument errors.
#include <cmath>

#include "tensor/ops.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::inner_product;
using chase::test::numerical_gradient;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;

namespace {

// Batch norm by its definition: statistics of each channel over N and the
// spatial positions, biased variance.
Tensor naive_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const auto n = x.size(0), c = x.size(1), spatial = x.numel() / (n * c);
  auto v = x.to_vector();
  auto w = weight.defined() ? weight.to_vector() : std::vector<double>(c, 1.0);
  auto b = bias.defined() ? bias.to_vector() : std::vector<double>(c, 0.0);
  std::vector<double> out(v.size());
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double sum = 0.0, squares = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t s = 0; s < spatial; ++s) sum += v[(i * c + ch) * spatial + s];
    const double mean = sum / static_cast<double>(n * spatial);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t s = 0; s < spatial; ++s)
        squares += std::pow(v[(i * c + ch) * spatial + s] - mean, 2);
    const double invstd = 1.0 / std::sqrt(squares / static_cast<double>(n * spatial) + eps);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t s = 0; s < spatial; ++s) {
        const auto k = (i * c + ch) * spatial + s;
        out[k] = (v[k] - mean) * invstd * w[ch] + b[ch];
      }
  }
  return Tensor::from_vector(out, x.shape(), x.dtype());
}

}  // namespace

TEST_CASE_FIXTURE(ReferenceBackend, "batch_norm statistics and output by hand") {
  for (auto dtype : {DType::f32, DType::f64}) {
    // Channel 0 holds {1, 3}: mean 2, variance 1. Channel 1 holds {10, 14}: mean 12, variance 4.
    auto x = Tensor::from_vector({1, 10, 3, 14}, {2, 2}, dtype);
    auto r = batch_norm(x, {}, {}, 0.0);
    CHECK(r.out.to_vector() == std::vector<double>{-1, -1, 1, 1});
    CHECK(r.mean.to_vector() == std::vector<double>{2, 12});
    CHECK(r.invstd.to_vector() == std::vector<double>{1, 0.5});
    auto weight = Tensor::from_vector({2, 3}, {2}, dtype);
    auto bias = Tensor::from_vector({0.5, -1}, {2}, dtype);
    CHECK(batch_norm(x, weight, bias, 0.0).out.to_vector() ==
          std::vector<double>{-1.5, -4, 2.5, 2});
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "batch_norm matches its definition on NCHW inputs") {
  for (auto dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
    // A large common offset: single-pass variance formulas lose it in f32.
    auto x = random_tensor({3, 4, 5, 7}, 1, dtype, 99.0, 101.0);
    auto weight = random_tensor({4}, 2, dtype);
    auto bias = random_tensor({4}, 3, dtype);
    check_close(batch_norm(x, weight, bias, 1e-5).out,
                naive_batch_norm(x.to(DType::f64), weight.to(DType::f64), bias.to(DType::f64),
                                 1e-5)
                    .to(dtype),
                tol, tol);
    // Batch 1 and no affine parameters.
    auto single = random_tensor({1, 3, 4, 3}, 4, dtype);
    check_close(batch_norm(single, {}, {}, 1e-5).out, naive_batch_norm(single, {}, {}, 1e-5),
                tol, tol);
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "batch_norm_inference uses the running statistics") {
  auto x = Tensor::from_vector({1, 3, 2, 4}, {1, 2, 1, 2}, DType::f64);
  auto running_mean = Tensor::from_vector({1, 2}, {2}, DType::f64);
  auto running_var = Tensor::from_vector({4, 0.25}, {2}, DType::f64);
  auto weight = Tensor::from_vector({1, 2}, {2}, DType::f64);
  auto bias = Tensor::from_vector({0, 1}, {2}, DType::f64);
  // Channel 0: (x - 1) / 2. Channel 1: (x - 2) / 0.5 * 2 + 1.
  CHECK(batch_norm_inference(x, weight, bias, running_mean, running_var, 0.0).to_vector() ==
        std::vector<double>{0, 1, 1, 9});
  CHECK(batch_norm_inference(x, {}, {}, running_mean, running_var, 0.0).to_vector() ==
        std::vector<double>{0, 1, 0, 4});
}

TEST_CASE_FIXTURE(ReferenceBackend, "batch_norm_backward matches central differences (f64)") {
  auto x = random_tensor({3, 2, 2, 3}, 10, DType::f64);
  auto weight = random_tensor({2}, 11, DType::f64, 0.5, 1.5);
  auto bias = random_tensor({2}, 12, DType::f64);
  auto g = random_tensor(x.shape(), 13, DType::f64);
  // L = <batch_norm(x, weight, bias), g>, the statistics recomputed at every evaluation.
  auto loss = [&] { return inner_product(batch_norm(x, weight, bias, 1e-5).out, g); };
  auto forward = batch_norm(x, weight, bias, 1e-5);
  auto grads = batch_norm_backward(g, x, weight, forward.mean, forward.invstd);
  check_close(grads.x, numerical_gradient(loss, x), 1e-6, 1e-8, "x");
  check_close(grads.weight, numerical_gradient(loss, weight), 1e-6, 1e-8, "weight");
  check_close(grads.bias, numerical_gradient(loss, bias), 1e-6, 1e-8, "bias");

  auto plain = batch_norm(x, {}, {}, 1e-5);
  auto plain_grads = batch_norm_backward(g, x, {}, plain.mean, plain.invstd);
  CHECK(!plain_grads.weight.defined());
  CHECK(!plain_grads.bias.defined());
  auto plain_loss = [&] { return inner_product(batch_norm(x, {}, {}, 1e-5).out, g); };
  check_close(plain_grads.x, numerical_gradient(plain_loss, x), 1e-6, 1e-8, "x without affine");
}

TEST_CASE_FIXTURE(ReferenceBackend, "layer_norm by hand") {
  // Row [1, 2, 3, 4]: mean 2.5, variance 1.25. Row [0, 0, 0, 4]: mean 1, variance 3.
  auto x = Tensor::from_vector({1, 2, 3, 4, 0, 0, 0, 4}, {2, 4}, DType::f64);
  auto r = layer_norm(x, 1, {}, {}, 0.0);
  const double a = 1 / std::sqrt(1.25), b = 1 / std::sqrt(3.0);
  check_close(r.out,
              Tensor::from_vector({-1.5 * a, -0.5 * a, 0.5 * a, 1.5 * a, -b, -b, -b, 3 * b},
                                  {2, 4}, DType::f64),
              1e-15, 1e-15);
  CHECK(r.mean.shape() == Shape{2});
  CHECK(r.mean.to_vector() == std::vector<double>{2.5, 1});
  check_close(r.invstd, Tensor::from_vector({a, b}, {2}, DType::f64), 1e-15, 1e-15);
}

TEST_CASE_FIXTURE(ReferenceBackend, "layer_norm over trailing dims equals batch norm of the rows") {
  // Normalising each row of x [M, N] is batch norm of x^T: N samples of M channels.
  for (auto dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
    auto x = random_tensor({3, 2, 5}, 20, dtype, 9.0, 11.0);
    auto weight = random_tensor({2, 5}, 21, dtype);
    auto bias = random_tensor({2, 5}, 22, dtype);
    auto r = layer_norm(x, 2, weight, bias, 1e-5);
    REQUIRE(r.out.shape() == Shape{3, 2, 5});
    REQUIRE(r.mean.shape() == Shape{3});
    auto rows = naive_batch_norm(x.view({3, 10}).transpose(0, 1), {}, {}, 1e-5).transpose(0, 1);
    auto expected = rows.to_vector();
    auto w = weight.to_vector(), b = bias.to_vector();
    for (std::size_t i = 0; i < expected.size(); ++i)
      expected[i] = expected[i] * w[i % 10] + b[i % 10];
    check_close(r.out, Tensor::from_vector(expected, {3, 2, 5}, dtype), tol, tol);
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "layer_norm_backward matches central differences (f64)") {
  auto x = random_tensor({2, 3, 4}, 30, DType::f64);
  auto weight = random_tensor({3, 4}, 31, DType::f64, 0.5, 1.5);
  auto bias = random_tensor({3, 4}, 32, DType::f64);
  auto g = random_tensor(x.shape(), 33, DType::f64);
  auto loss = [&] { return inner_product(layer_norm(x, 2, weight, bias, 1e-5).out, g); };
  auto forward = layer_norm(x, 2, weight, bias, 1e-5);
  auto grads = layer_norm_backward(g, x, 2, weight, forward.mean, forward.invstd);
  REQUIRE(grads.weight.shape() == Shape{3, 4});
  check_close(grads.x, numerical_gradient(loss, x), 1e-6, 1e-8, "x");
  check_close(grads.weight, numerical_gradient(loss, weight), 1e-6, 1e-8, "weight");
  check_close(grads.bias, numerical_gradient(loss, bias), 1e-6, 1e-8, "bias");

  auto plain = layer_norm(x, 1, {}, {}, 1e-5);
  auto plain_grads = layer_norm_backward(g, x, 1, {}, plain.mean, plain.invstd);
  CHECK(!plain_grads.weight.defined());
  auto plain_loss = [&] { return inner_product(layer_norm(x, 1, {}, {}, 1e-5).out, g); };
  check_close(plain_grads.x, numerical_gradient(plain_loss, x), 1e-6, 1e-8, "x without affine");
}

TEST_CASE_FIXTURE(ReferenceBackend, "normalisation takes non-contiguous inputs") {
  auto x = random_tensor({4, 5, 3}, 40, DType::f64).permute({0, 2, 1});  // [4, 3, 5]
  REQUIRE(!x.is_contiguous());
  check_close(batch_norm(x, {}, {}, 1e-5).out, batch_norm(x.contiguous(), {}, {}, 1e-5).out, 0, 0);
  check_close(layer_norm(x, 1, {}, {}, 1e-5).out, layer_norm(x.contiguous(), 1, {}, {}, 1e-5).out,
              0, 0);
}

TEST_CASE("normalisation errors name the op, the expected and the actual") {
  auto x = Tensor::empty({4, 2, 3});
  CHECK_THROWS_WITH_AS(batch_norm(Tensor::empty({4}), {}, {}, 1e-5),
                       "batch_norm: expected input [N, C, *], got shape [4]", Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor::empty({3}), {}, 1e-5),
                       "batch_norm: weight must have shape [2], got [3]", Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, {}, Tensor::empty({2}, DType::f64), 1e-5),
                       "batch_norm: bias is f64 but input is f32", Error);
  CHECK_THROWS_WITH_AS(batch_norm(Tensor::empty({1, 3}), {}, {}, 1e-5),
                       "batch_norm: expected more than 1 value per channel in training, got "
                       "input of shape [1, 3]",
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, {}, {}, -1.0),
                       "batch_norm: eps must be non-negative, got -1", Error);
  CHECK_THROWS_WITH_AS(batch_norm_inference(x, {}, {}, {}, Tensor::empty({2}), 1e-5),
                       "batch_norm_inference: running_mean is an undefined tensor", Error);
  CHECK_THROWS_WITH_AS(
      batch_norm_backward(Tensor::empty({4, 2, 2}), x, {}, Tensor::empty({2}), Tensor::empty({2})),
      "batch_norm_backward: grad_out must have shape [4, 2, 3], got [4, 2, 2]", Error);
  CHECK_THROWS_WITH_AS(layer_norm(Tensor::empty({2, 3}), 3, {}, {}, 1e-5),
                       "layer_norm: normalized_dims must be in [1, 2] for input of shape [2, 3], "
                       "got 3",
                       Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, 1, Tensor::empty({2}), {}, 1e-5),
                       "layer_norm: weight must have shape [3], got [2]", Error);
  CHECK_THROWS_WITH_AS(
      layer_norm_backward(x, x, 2, {}, Tensor::empty({8}), Tensor::empty({4})),
      "layer_norm_backward: mean must have shape [4], got [8]", Error);
}

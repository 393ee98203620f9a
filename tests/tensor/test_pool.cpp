// Pooling on the reference kernels: hand-computed windows (padding, overlap,
// count_include_pad, PyTorch's adaptive bins), the adjoint identities of the
// backward passes, and the argument errors.
#include <cmath>

#include "tensor/ops.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::inner_product;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;

namespace {

// A 4x4 plane whose maxima sit at different places in each 2x2 block.
Tensor scrambled(DType dtype = DType::f32, double shift = 0.0) {
  std::vector<double> v = {1, 5, 2, 0, 3, 4, 8, 6, 7, 2, 9, 1, 0, 6, 3, 5};
  for (auto& e : v) e += shift;
  return Tensor::from_vector(v, {1, 1, 4, 4}, dtype);
}

Tensor ramp3x3(DType dtype) {
  return Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, dtype);
}

}  // namespace

TEST_CASE_FIXTURE(ReferenceBackend, "max_pool2d values and indices by hand") {
  for (auto dtype : {DType::f32, DType::f64}) {
    auto r = max_pool2d(scrambled(dtype), {});
    CHECK(r.out.to_vector() == std::vector<double>{5, 8, 7, 9});
    CHECK(r.indices.dtype() == DType::i64);
    CHECK(r.indices.to_vector() == std::vector<double>{1, 6, 8, 10});
  }
  // All values negative: zero padding would win, -inf padding never does.
  auto padded = max_pool2d(scrambled(DType::f64, -10),
                           {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
  CHECK(padded.out.shape() == Shape{1, 1, 2, 2});
  CHECK(padded.out.to_vector() == std::vector<double>{-5, -2, -3, -1});
  CHECK(padded.indices.to_vector() == std::vector<double>{1, 6, 8, 10});
}

TEST_CASE_FIXTURE(ReferenceBackend, "max_pool2d propagates NaN") {
  auto x = scrambled(DType::f64);
  x.data<double>()[2] = NAN;
  auto r = max_pool2d(x, {});
  auto v = r.out.to_vector();
  CHECK(std::isnan(v[1]));
  CHECK(r.indices.to_vector()[1] == 2);
  CHECK(v[3] == 9);
}

TEST_CASE_FIXTURE(ReferenceBackend, "max_pool2d_backward adds up overlapping windows") {
  // 3x3 windows at stride 1 over the 4x4 plane: all four maxima are the 9 at index 10.
  auto r = max_pool2d(scrambled(DType::f64), {.kernel = {3, 3}, .stride = {1, 1}});
  REQUIRE(r.indices.to_vector() == std::vector<double>{10, 10, 10, 10});
  auto g = Tensor::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}, DType::f64);
  std::vector<double> expected(16, 0.0);
  expected[10] = 10;
  CHECK(max_pool2d_backward(g, r.indices, {1, 1, 4, 4}).to_vector() == expected);
}

TEST_CASE_FIXTURE(ReferenceBackend, "avg_pool2d with and without the padding in the count") {
  const Pool2dOptions options{.kernel = {2, 2}, .stride = {2, 2}, .padding = {1, 1}};
  for (auto dtype : {DType::f32, DType::f64}) {
    // Windows: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9} and the rest padding.
    CHECK(avg_pool2d(ramp3x3(dtype), options).to_vector() ==
          std::vector<double>{0.25, 1.25, 2.75, 7});
    Pool2dOptions real_only = options;
    real_only.count_include_pad = false;
    CHECK(avg_pool2d(ramp3x3(dtype), real_only).to_vector() ==
          std::vector<double>{1, 2.5, 5.5, 7});
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "adaptive_avg_pool2d uses PyTorch's overlapping bins") {
  // 5 -> 3 bins: [0, 2), [1, 4), [3, 5).
  auto row = Tensor::from_vector({1, 2, 3, 4, 5}, {1, 1, 1, 5}, DType::f64);
  CHECK(adaptive_avg_pool2d(row, {1, 3}).to_vector() == std::vector<double>{1.5, 3, 4.5});
  // 2 -> 3 bins (upsampling): [0, 1), [0, 2), [1, 2).
  auto pair = Tensor::from_vector({2, 4}, {1, 1, 2, 1}, DType::f64);
  CHECK(adaptive_avg_pool2d(pair, {3, 1}).to_vector() == std::vector<double>{2, 3, 4});
  // Both dims at once on the ramp, 3 -> 2: bins [0, 2), [1, 3).
  CHECK(adaptive_avg_pool2d(ramp3x3(DType::f32), {2, 2}).to_vector() ==
        std::vector<double>{3, 4, 6, 7});
}

TEST_CASE_FIXTURE(ReferenceBackend, "global_avg_pool2d is the mean of each plane") {
  auto x = random_tensor({2, 3, 5, 7}, 10, DType::f64);
  auto out = global_avg_pool2d(x);
  REQUIRE(out.shape() == Shape{2, 3, 1, 1});
  auto v = x.to_vector();
  std::vector<double> means;
  for (std::size_t plane = 0; plane < 6; ++plane) {
    double sum = 0.0;
    for (std::size_t i = 0; i < 35; ++i) sum += v[plane * 35 + i];
    means.push_back(sum / 35);
  }
  check_close(out, Tensor::from_vector(means, {2, 3, 1, 1}, DType::f64), 1e-14, 1e-14);
}

TEST_CASE_FIXTURE(ReferenceBackend, "pooling backward passes are adjoints of the forward (f64)") {
  // Average pooling is linear and max pooling is linear with the argmax held fixed:
  // <pool(x), g> = <x, pool_backward(g)> for every g.
  const std::vector<Pool2dOptions> settings = {
      {},
      {.kernel = {3, 3}, .stride = {1, 1}, .padding = {1, 1}},
      {.kernel = {3, 2}, .stride = {2, 3}, .padding = {1, 0}, .count_include_pad = false},
      {.kernel = {1, 1}, .stride = {2, 2}},
  };
  std::uint64_t seed = 20;
  for (const auto& shape : {Shape{1, 1, 7, 5}, Shape{2, 3, 8, 9}}) {
    auto x = random_tensor(shape, seed++, DType::f64);
    for (const auto& o : settings) {
      CAPTURE(o.kernel[0]);
      CAPTURE(o.stride[0]);
      auto m = max_pool2d(x, o);
      auto g = random_tensor(m.out.shape(), seed++, DType::f64);
      CHECK(inner_product(x, max_pool2d_backward(g, m.indices, shape)) ==
            doctest::Approx(inner_product(m.out, g)).epsilon(1e-12));
      CHECK(inner_product(x, avg_pool2d_backward(g, shape, o)) ==
            doctest::Approx(inner_product(avg_pool2d(x, o), g)).epsilon(1e-12));
    }
    for (Pair size : {Pair{1, 1}, Pair{3, 2}, Pair{5, 11}}) {
      auto g = random_tensor({shape[0], shape[1], size[0], size[1]}, seed++, DType::f64);
      CHECK(inner_product(x, adaptive_avg_pool2d_backward(g, shape)) ==
            doctest::Approx(inner_product(adaptive_avg_pool2d(x, size), g)).epsilon(1e-12));
    }
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "pooling takes non-contiguous inputs") {
  auto x = random_tensor({2, 7, 6, 3}, 30).permute({0, 3, 1, 2});  // [2, 3, 7, 6]
  REQUIRE(!x.is_contiguous());
  const Pool2dOptions o{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}};
  check_close(max_pool2d(x, o).out, max_pool2d(x.contiguous(), o).out, 0, 0);
  check_close(avg_pool2d(x, o), avg_pool2d(x.contiguous(), o), 0, 0);
  check_close(adaptive_avg_pool2d(x, {4, 4}), adaptive_avg_pool2d(x.contiguous(), {4, 4}), 0, 0);
}

TEST_CASE_FIXTURE(ReferenceBackend, "pooling errors name the op, the expected and the actual") {
  CHECK_THROWS_WITH_AS(max_pool2d(Tensor::empty({1, 4, 4}), {}),
                       "max_pool2d: expected input [N, C, H, W], got shape [1, 4, 4]", Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d(Tensor::empty({1, 1, 4, 4}), {.kernel = {2, 2}, .padding = {2, 0}}),
      "max_pool2d: padding must be between 0 and half the kernel (2, 2), got (2, 0)", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(Tensor::empty({1, 1, 2, 2}), {.kernel = {3, 3}}),
                       "avg_pool2d: kernel (3, 3) is larger than the padded input 2x2 (input "
                       "shape [1, 1, 2, 2])",
                       Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d(Tensor::empty({1, 1, 0, 3}), {.kernel = {2, 2}, .padding = {1, 1}}),
      "max_pool2d: input of shape [1, 1, 0, 3] has an empty plane", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(Tensor::empty({1, 1, 4, 4}), {.stride = {0, 2}}),
                       "avg_pool2d: stride must be positive, got (0, 2)", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(Tensor::empty({1, 1, 4, 4}, DType::i64), {}),
                       "max_pool2d: input must be f32 or f64, got i64", Error);
  auto g = Tensor::empty({1, 1, 2, 2});
  CHECK_THROWS_WITH_AS(max_pool2d_backward(g, Tensor::empty({1, 1, 2, 2}), {1, 1, 4, 4}),
                       "max_pool2d_backward: indices must be an i64 tensor, got Tensor f32 cpu "
                       "[1, 1, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d_backward(g, Tensor::from_vector({0, 1, 2, 16}, {1, 1, 2, 2}, DType::i64),
                          {1, 1, 4, 4}),
      "max_pool2d_backward: index 16 at position 3 is outside a 4x4 input plane", Error);
  CHECK_THROWS_WITH_AS(max_pool2d_backward(g, Tensor::empty({1, 1, 2, 2}, DType::i64),
                                           {2, 1, 4, 4}),
                       "max_pool2d_backward: grad_out of shape [1, 1, 2, 2] does not match "
                       "input shape [2, 1, 4, 4] in N and C",
                       Error);
  CHECK_THROWS_WITH_AS(avg_pool2d_backward(g, {1, 1, 6, 6}, {}),
                       "avg_pool2d_backward: grad_out must have shape [1, 1, 3, 3], got "
                       "[1, 1, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(Tensor::empty({1, 1, 4, 4}), {0, 2}),
                       "adaptive_avg_pool2d: output size must be positive, got (0, 2)", Error);
}

// matmul and bmm on the reference kernels: hand-computed products, a naive
// triple loop on random strided operands, PyTorch's broadcasting and 1-d rules.
#include "tensor/ops.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;

namespace {

// a [M, K] @ b [K, N] by the textbook loop, in double, from the values only.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const auto m = a.size(0), k = a.size(1), n = b.size(1);
  auto va = a.to_vector(), vb = b.to_vector();
  std::vector<double> out(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t p = 0; p < k; ++p) out[i * n + j] += va[i * k + p] * vb[p * n + j];
  return Tensor::from_vector(out, {m, n}, a.dtype());
}

}  // namespace

TEST_CASE_FIXTURE(ReferenceBackend, "matmul of small matrices by hand, f32 and f64") {
  for (auto dtype : {DType::f32, DType::f64}) {
    auto a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    auto b = Tensor::from_vector({7, 8, 9, 10, 11, 12}, {3, 2}, dtype);
    auto c = matmul(a, b);
    CHECK(c.dtype() == dtype);
    CHECK(c.shape() == Shape{2, 2});
    CHECK(c.to_vector() == std::vector<double>{58, 64, 139, 154});
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "matmul reads transposed and sliced operands through strides") {
  for (auto dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
    // Odd sizes, and both operands stored transposed.
    auto at = random_tensor({13, 7}, 1, dtype);  // a = at^T: [7, 13]
    auto bt = random_tensor({5, 13}, 2, dtype);  // b = bt^T: [13, 5]
    auto a = at.transpose(0, 1), b = bt.transpose(0, 1);
    REQUIRE(!a.is_contiguous());
    check_close(matmul(a, b), naive_matmul(a, b), tol, tol, "transposed");
    // Every other row and column.
    auto big = random_tensor({14, 10}, 3, dtype);
    auto strided = big.slice(0, 0, 14, 2).slice(1, 1, 10, 2);  // [7, 5]
    auto rhs = random_tensor({5, 3}, 4, dtype);
    check_close(matmul(strided, rhs), naive_matmul(strided, rhs), tol, tol, "sliced");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "matmul accumulates long f32 sums to the expected accuracy") {
  // K = 1000 random products: f32 accumulation error stays far below 1e-4 of the scale.
  auto a = random_tensor({3, 1000}, 5);
  auto b = random_tensor({1000, 4}, 6);
  check_close(matmul(a, b), naive_matmul(a.to(DType::f64), b.to(DType::f64)).to(DType::f32),
              1e-4, 1e-4);
}

TEST_CASE_FIXTURE(ReferenceBackend, "matmul broadcasts batch dims") {
  auto a = random_tensor({2, 1, 3, 4}, 7, DType::f64);
  auto b = random_tensor({5, 4, 2}, 8, DType::f64);
  auto c = matmul(a, b);
  REQUIRE(c.shape() == Shape{2, 5, 3, 2});
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 5; ++j)
      check_close(c.select(0, i).select(0, j), naive_matmul(a.select(0, i).select(0, 0),
                                                            b.select(0, j)),
                  1e-12, 1e-12);
  // A 2-d operand broadcasts against a batch: the same matrix for every batch.
  auto w = random_tensor({4, 6}, 9, DType::f64);
  auto x = random_tensor({3, 2, 4}, 10, DType::f64);
  auto y = matmul(x, w);
  REQUIRE(y.shape() == Shape{3, 2, 6});
  check_close(y.select(0, 2), naive_matmul(x.select(0, 2), w), 1e-12, 1e-12);
}

TEST_CASE_FIXTURE(ReferenceBackend, "matmul treats 1-d operands as PyTorch does") {
  auto v = Tensor::from_vector({1, 2, 3}, {3}, DType::f64);
  auto m = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2}, DType::f64);
  auto vm = matmul(v, m);  // row vector: [3] @ [3, 2] -> [2]
  CHECK(vm.shape() == Shape{2});
  CHECK(vm.to_vector() == std::vector<double>{22, 28});
  auto mv = matmul(m.transpose(0, 1), v);  // [2, 3] @ [3] -> [2], the same as v @ m
  CHECK(mv.shape() == Shape{2});
  CHECK(mv.to_vector() == std::vector<double>{22, 28});
  auto dot = matmul(v, v);
  CHECK(dot.shape() == Shape{});
  CHECK(dot.item() == 14);
  auto batched = matmul(random_tensor({4, 2, 3}, 11, DType::f64), v);  // [4, 2, 3] @ [3]
  CHECK(batched.shape() == Shape{4, 2});
}

TEST_CASE_FIXTURE(ReferenceBackend, "bmm with a stride-0 batch and an empty inner dim") {
  auto a = random_tensor({1, 3, 4}, 12, DType::f64).expand({5, 3, 4});
  auto b = random_tensor({5, 4, 2}, 13, DType::f64);
  auto c = bmm(a, b);
  REQUIRE(c.shape() == Shape{5, 3, 2});
  for (std::int64_t i = 0; i < 5; ++i)
    check_close(c.select(0, i), naive_matmul(a.select(0, i), b.select(0, i)), 1e-12, 1e-12);
  // K = 0: every output is an empty sum.
  auto e = bmm(Tensor::empty({2, 3, 0}), Tensor::empty({2, 0, 4}));
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.to_vector() == std::vector<double>(24, 0.0));
}

TEST_CASE("matmul and bmm errors name both shapes") {
  CHECK_THROWS_WITH_AS(matmul(Tensor::empty({2, 3}), Tensor::empty({4, 5})),
                       "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 columns vs 4 rows)",
                       Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::empty({2, 3, 4}), Tensor::empty({3, 4, 5})),
                       doctest::Contains("batch dims of shapes [2, 3, 4] and [3, 4, 5]"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::empty({2, 3}), Tensor::empty({3, 2}, DType::f64)),
                       "matmul: b is f64 but a is f32", Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::empty({2, 3}, DType::i64), Tensor::empty({3, 2}, DType::i64)),
                       "matmul: a must be f32 or f64, got i64", Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::scalar(1), Tensor::empty({1})),
                       doctest::Contains("at least 1 dim"), Error);
  CHECK_THROWS_WITH_AS(bmm(Tensor::empty({2, 3}), Tensor::empty({3, 2})),
                       "bmm: expected [B, M, K] and [B, K, N], got shapes [2, 3] and [3, 2]", Error);
  CHECK_THROWS_WITH_AS(bmm(Tensor::empty({2, 3, 4}), Tensor::empty({3, 4, 5})),
                       doctest::Contains("shapes [2, 3, 4] and [3, 4, 5] cannot be multiplied"),
                       Error);
}

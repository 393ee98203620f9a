// Joining, splitting and indexing: hand-computed cases in f32 and f64, the
// adjoint pairs (gather/scatter_add, index_select/index_add), bounds errors.
#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::floating_dtypes;
using chase::test::random_tensor;

namespace {

// Exact: the cases copy elements or add small integers, exact in every dtype.
void check_values(const Tensor& actual, std::initializer_list<double> expected, const Shape& shape,
                  DType dtype, const std::string& what = "") {
  INFO(what);
  CHECK(actual.dtype() == dtype);
  CHECK(actual.shape() == shape);
  CHECK(actual.to_vector() == std::vector<double>(expected));
}

Tensor indices(std::initializer_list<double> values, const Shape& shape) {
  return Tensor::from_vector(values, shape, DType::i64);
}

// Uniformly random indices in [0, bound).
Tensor random_indices(const Shape& shape, std::int64_t bound, std::uint64_t seed) {
  Generator gen(seed);
  return uniform(shape, 0, static_cast<double>(bound), gen, DType::f64).to(DType::i64);
}

double dot(const Tensor& a, const Tensor& b) { return sum(mul(a, b)).item(); }

}  // namespace

TEST_CASE("concat joins along any dim, reading strided inputs") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto a = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, dtype);
    auto b = Tensor::from_vector({5, 6}, {1, 2}, dtype);
    auto c = Tensor::from_vector({7, 8}, {2, 1}, dtype);
    check_values(concat({a, b}, 0), {1, 2, 3, 4, 5, 6}, {3, 2}, dtype, "dim 0");
    check_values(concat({a, c}, 1), {1, 2, 7, 3, 4, 8}, {2, 3}, dtype, "dim 1");
    check_values(concat({c, a, c}, -1), {7, 1, 2, 7, 8, 3, 4, 8}, {2, 4}, dtype, "dim -1");
    check_values(concat({a.transpose(0, 1), c}, 1), {1, 3, 7, 2, 4, 8}, {2, 3}, dtype,
                 "transposed input");
    check_values(concat({a, zeros({2, 0}, dtype)}, 1), {1, 2, 3, 4}, {2, 2}, dtype, "empty piece");
  }
}

TEST_CASE("concat reports mismatched shapes, dtypes and empty lists") {
  auto a = ones({2, 2});
  CHECK_THROWS_WITH_AS(concat({a, ones({1, 2})}, 1),
                       "concat: tensor 1 has shape [1, 2], expected [2, *] (tensor 0's shape "
                       "[2, 2] in all dims but 1)",
                       Error);
  CHECK_THROWS_WITH_AS(concat({a, ones({4})}, 0),
                       doctest::Contains("concat: tensor 1 has shape [4], expected [*, 2]"), Error);
  CHECK_THROWS_WITH_AS(concat({a, ones({2, 2}, DType::f64)}, 0),
                       "concat: tensor 0 is f32 but tensor 1 is f64", Error);
  CHECK_THROWS_WITH_AS(concat({}, 0), "concat: needs at least one tensor", Error);
  CHECK_THROWS_WITH_AS(concat({a}, 2), "concat: dim 2 out of range for a tensor of 2 dims", Error);
}

TEST_CASE("split returns views of the given sizes") {
  auto x = arange(0, 10).view({2, 5});
  auto parts = split(x, {2, 0, 3}, 1);
  REQUIRE(parts.size() == 3);
  check_values(parts[0], {0, 1, 5, 6}, {2, 2}, DType::f32);
  CHECK(parts[1].shape() == Shape{2, 0});
  check_values(parts[2], {2, 3, 4, 7, 8, 9}, {2, 3}, DType::f32);
  CHECK(parts[2].storage() == x.storage());
  check_values(concat(parts, 1), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {2, 5}, DType::f32,
               "concat undoes split");
  CHECK_THROWS_WITH_AS(split(x, {2, 2}, -1),
                       "split: sizes [2, 2] add up to 4, but dim 1 of shape [2, 5] is 5", Error);
  CHECK_THROWS_WITH_AS(split(x, {6, -1}, 1), "split: negative size in sizes [6, -1]", Error);
}

TEST_CASE("stack adds a new dim") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto a = Tensor::from_vector({1, 2}, {2}, dtype);
    auto b = Tensor::from_vector({3, 4}, {2}, dtype);
    check_values(stack({a, b}, 0), {1, 2, 3, 4}, {2, 2}, dtype, "dim 0");
    check_values(stack({a, b}, -1), {1, 3, 2, 4}, {2, 2}, dtype, "dim -1");
  }
  CHECK_THROWS_WITH_AS(stack({ones({2}), ones({3})}, 0),
                       "stack: tensor 1 has shape [3], expected [2] (tensor 0's shape)", Error);
}

TEST_CASE("gather picks along a dim, with an index no larger than the input") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, dtype);
    check_values(gather(x, 1, indices({0, 0, 1, 0}, {2, 2})), {1, 1, 4, 3}, {2, 2}, dtype, "dim 1");
    check_values(gather(x, 0, indices({1, 0, 0, 0}, {2, 2})), {3, 2, 1, 2}, {2, 2}, dtype, "dim 0");
    check_values(gather(x.transpose(0, 1), -1, indices({1, 1}, {2, 1})), {3, 4}, {2, 1}, dtype,
                 "transposed input");
    auto wide = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    check_values(gather(wide, 1, indices({2}, {1, 1})), {3}, {1, 1}, dtype, "smaller index");
    check_values(gather(wide, 0, indices({1, 0, 1}, {1, 3})), {4, 2, 6}, {1, 3}, dtype,
                 "one row of indices");
  }
}

TEST_CASE("scatter_add accumulates repeated indices and leaves base untouched") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto base = zeros({2, 3}, dtype);
    auto src = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    check_values(scatter_add(base, 1, indices({0, 1, 0, 2, 2, 1}, {2, 3}), src), {4, 2, 0, 0, 6, 9},
                 {2, 3}, dtype, "dim 1");
    CHECK(base.to_vector() == std::vector<double>(6, 0.0));
    auto square = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, dtype);
    check_values(scatter_add(ones({2, 2}, dtype), 0, indices({1, 1, 1, 0}, {2, 2}), square),
                 {1, 5, 5, 3}, {2, 2}, dtype, "dim 0");
    // src larger than the index: only the index's extent is read.
    check_values(scatter_add(zeros({1, 2}, dtype), 1, indices({1}, {1, 1}), src), {0, 1}, {1, 2},
                 dtype, "larger src");
  }
}

TEST_CASE("index_select takes whole slices, index_add adds them back") {
  for (auto dtype : floating_dtypes) {
    INFO(name(dtype));
    auto x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2}, dtype);
    check_values(index_select(x, 0, indices({2, 0, 2}, {3})), {5, 6, 1, 2, 5, 6}, {3, 2}, dtype,
                 "dim 0");
    check_values(index_select(x, -1, indices({1}, {1})), {2, 4, 6}, {3, 1}, dtype, "dim -1");
    check_values(index_select(x.transpose(0, 1), 1, indices({0, 2}, {2})), {1, 5, 2, 6}, {2, 2},
                 dtype, "transposed input");
    CHECK(index_select(x, 0, indices({}, {0})).shape() == Shape{0, 2});

    auto src = Tensor::from_vector({1, 1, 2, 2, 3, 3}, {3, 2}, dtype);
    check_values(index_add(ones({3, 2}, dtype), 0, indices({0, 2, 0}, {3}), src),
                 {5, 5, 1, 1, 3, 3}, {3, 2}, dtype, "dim 0, repeated index");
    auto columns = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, dtype);
    check_values(index_add(zeros({2, 3}, dtype), 1, indices({2, 2}, {2}), columns),
                 {0, 0, 3, 0, 0, 7}, {2, 3}, dtype, "dim 1");
  }
}

TEST_CASE("gather and scatter_add are adjoint: <gather(x), y> = <x, scatter_add(0, y)>") {
  // Large enough for the kernels' threads; dims 0 and 1 so that the scatter
  // runs along a dim that is not the last (rows must not race).
  for (std::int64_t dim : {0, 1, 2}) {
    INFO("dim " << dim);
    auto x = random_tensor({40, 60, 30}, 11, DType::f64);
    Shape index_shape{40, 60, 30};
    index_shape[dim] = 50;
    auto index = random_indices(index_shape, x.size(dim), 12 + dim);
    auto y = random_tensor(index_shape, 13, DType::f64);
    double lhs = dot(gather(x, dim, index), y);
    double rhs = dot(x, scatter_add(zeros_like(x), dim, index, y));
    CHECK(std::abs(lhs - rhs) <= 1e-10 * std::abs(lhs));
  }
}

TEST_CASE("index_select and index_add are adjoint") {
  for (std::int64_t dim : {0, 1, 2}) {
    INFO("dim " << dim);
    auto x = random_tensor({30, 40, 35}, 21, DType::f64);
    auto index = random_indices({70}, x.size(dim), 22 + dim);
    Shape picked = x.shape();
    picked[dim] = 70;
    auto y = random_tensor(picked, 23, DType::f64);
    double lhs = dot(index_select(x, dim, index), y);
    double rhs = dot(x, index_add(zeros_like(x), dim, index, y));
    CHECK(std::abs(lhs - rhs) <= 1e-10 * std::abs(lhs));
  }
}

TEST_CASE("large scatter_add matches a host loop") {
  auto index = random_indices({300, 200}, 50, 31);
  auto src = random_tensor({300, 200}, 32, DType::f64);
  auto out = scatter_add(zeros({50, 200}, DType::f64), 0, index, src);
  auto vi = index.to_vector(), vs = src.to_vector();
  std::vector<double> expected(50 * 200, 0.0);
  for (std::size_t i = 0; i < vi.size(); ++i)
    expected[static_cast<std::size_t>(vi[i]) * 200 + i % 200] += vs[i];
  check_close(out, Tensor::from_vector(expected, {50, 200}, DType::f64), 1e-12, 1e-12);
}

TEST_CASE("indices must be i64 and in range; shapes must fit") {
  auto x = ones({2, 2});
  CHECK_THROWS_WITH_AS(gather(x, 1, ones({2, 2})), "gather: index must be i64, got f32", Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, ones({1}, DType::f64)),
                       "index_select: index must be i64, got f64", Error);
  CHECK_THROWS_WITH_AS(
      gather(x, 1, indices({0, 5}, {1, 2})),
      "gather: index 5 (at position 1 of the index) is out of range [0, 2) for dim 1", Error);
  CHECK_THROWS_WITH_AS(
      index_select(ones({3, 2}), 0, indices({0, -1}, {2})),
      "index_select: index -1 (at position 1 of the index) is out of range [0, 3) for dim 0",
      Error);
  CHECK_THROWS_WITH_AS(
      scatter_add(x, 0, indices({2}, {1, 1}), ones({1, 1})),
      "scatter_add: index 2 (at position 0 of the index) is out of range [0, 2) for dim 0", Error);
  CHECK_THROWS_WITH_AS(
      index_add(x, 1, indices({3}, {1}), ones({2, 1})),
      "index_add: index 3 (at position 0 of the index) is out of range [0, 2) for dim 1", Error);

  CHECK_THROWS_WITH_AS(gather(x, 0, indices({0, 1}, {2})),
                       "gather: index has 1 dims ([2]), x has 2 ([2, 2])", Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, indices({0, 0, 0}, {3, 1})),
                       "gather: index of shape [3, 1] is larger than x of shape [2, 2] in dim 0",
                       Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, indices({0, 0, 0}, {3, 1}), ones({2, 1})),
                       "scatter_add: index of shape [3, 1] is larger than src of shape [2, 1] "
                       "in dim 0",
                       Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, indices({0}, {1, 1}), ones({1, 1}, DType::f64)),
                       "scatter_add: base is f32 but src is f64", Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, indices({0}, {1, 1})),
                       "index_select: index must be 1-d, got shape [1, 1]", Error);
  CHECK_THROWS_WITH_AS(index_add(ones({3, 2}), 0, indices({0, 1, 2}, {3}), ones({2, 2})),
                       "index_add: src has shape [2, 2], expected [3, 2] (base's shape [3, 2] "
                       "with dim 0 the index's length 3)",
                       Error);
}

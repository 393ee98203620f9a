// The gradient checker itself: it must pass correct gradients, catch wrong
// ones with the right worst element, and police inputs without requires_grad.
#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "autograd/record.h"
#include "tests/test_util.h"

using namespace chase;

namespace {

Variable f64_leaf(const Shape& shape, std::uint64_t seed, bool requires_grad = true) {
  return Variable(test::random_tensor(shape, seed, DType::f64), requires_grad);
}

// x^2 with a backward that is wrong in one element: 2x everywhere but at
// flat position `wrong_at`, where it is 2x + 0.01.
Variable square_with_a_bug(const Variable& x, std::int64_t wrong_at) {
  Tensor xv = x.value();
  return record("buggy_square", mul(xv, xv), {x},
                [xv, wrong_at](const Tensor& g, const std::vector<bool>&) {
                  Tensor grad = mul(g, mul(xv, 2.0)).contiguous();
                  auto bump = zeros(grad.shape(), grad.dtype());
                  bump.data<double>()[wrong_at] = 0.01;
                  return std::vector<Tensor>{add(grad, mul(g, bump))};
                });
}

// Gives a gradient to an input that must get none, through a second node.
Variable leaks_into_constant(const Variable& x, const Variable& constant) {
  return record("leaky", mul(x.value(), 2.0), {x},
                [constant](const Tensor& g, const std::vector<bool>&) {
                  constant.impl()->grad = g;
                  return std::vector<Tensor>{mul(g, 2.0)};
                });
}

}  // namespace

TEST_CASE("gradcheck passes a correct gradient and reports tiny errors") {
  auto a = f64_leaf({3, 4}, 1), b = f64_leaf({4, 2}, 2);
  auto result = gradcheck([](const auto& x) { return tanh(matmul(x[0], x[1])); }, {a, b});
  INFO(result.str());
  CHECK(result.passed);
  REQUIRE(result.inputs.size() == 2);
  CHECK(result.max_abs_error() < 1e-9);
  CHECK(!a.has_grad());  // the check leaves no gradient behind
}

TEST_CASE("gradcheck finds a wrong gradient and names the worst element") {
  auto x = f64_leaf({2, 3}, 3);
  auto result = gradcheck([](const auto& v) { return square_with_a_bug(v[0], 4); }, {x});
  CHECK(!result.passed);
  const auto& check = result.inputs[0];
  CHECK(!check.passed);
  CHECK(check.worst_output == 4);
  CHECK(check.worst_element == 4);
  CHECK(check.worst_index == Shape{1, 1});
  CHECK(check.max_abs_error == doctest::Approx(0.01).epsilon(1e-6));
  CHECK(result.str().find("FAILED") != std::string::npos);
}

TEST_CASE("gradcheck fails an input without requires_grad that receives a gradient") {
  auto x = f64_leaf({3}, 4);
  auto c = f64_leaf({3}, 5, false);
  auto result = gradcheck([](const auto& v) { return leaks_into_constant(v[0], v[1]); }, {x, c});
  CHECK(result.inputs[0].passed);
  CHECK(result.inputs[1].received_grad);
  CHECK(!result.passed);
}

TEST_CASE("gradcheck respects the inputs' strides") {
  auto storage = test::random_tensor({4, 6}, 6, DType::f64);
  auto x = Variable(storage.slice(1, 1, 6, 2).transpose(0, 1), true);  // [3, 4], strided
  auto result = gradcheck([](const auto& v) { return sum(exp(v[0]), {1}); }, {x});
  INFO(result.str());
  CHECK(result.passed);
}

TEST_CASE("gradcheck rejects inputs it cannot perturb one element at a time") {
  auto f = [](const std::vector<Variable>& v) { return sum(v[0]); };
  auto expanded = Variable(test::random_tensor({3, 1}, 7, DType::f64).expand({3, 4}), true);
  CHECK_THROWS_WITH_AS(gradcheck(f, {expanded}),
                       "gradcheck: input 0 ([3, 4] with strides [1, 0]) has elements sharing "
                       "memory; pass a contiguous copy",
                       Error);
  CHECK_THROWS_WITH_AS(gradcheck(f, {Variable(test::random_tensor({2}, 8), true)}),
                       "gradcheck: input 0 must be f64 on the CPU, got f32 on cpu", Error);
  auto x = f64_leaf({2}, 9);
  CHECK_THROWS_WITH_AS(gradcheck(f, {x * 2.0}),
                       "gradcheck: input 0 must be a leaf (made by 'mul'); pass detach()", Error);
  CHECK_THROWS_AS(gradcheck(f, {x}, {.eps = 0}), Error);
}

TEST_CASE("gradcheck passes a whole small CNN: conv, batch norm, gelu, pooling, linear, loss") {
  Tensor target = Tensor::from_vector({2, 0}, {2}, DType::i64);
  auto cnn = [target](const std::vector<Variable>& p) {
    auto h = conv2d(p[0], p[1], p[2], {.padding = {1, 1}});
    h = max_pool2d(gelu(batch_norm(h, p[3], p[4], 1e-5).out), {});
    auto logits = matmul(flatten(h, 1), transpose(p[5], 0, 1));
    return cross_entropy(logits, target);
  };
  std::vector<Variable> params = {f64_leaf({2, 2, 4, 4}, 10), f64_leaf({3, 2, 3, 3}, 11),
                                  f64_leaf({3}, 12),          f64_leaf({3}, 13),
                                  f64_leaf({3}, 14),          f64_leaf({3, 12}, 15)};
  auto result = gradcheck(cnn, params);
  INFO(result.str());
  CHECK(result.passed);
}

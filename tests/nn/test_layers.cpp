// Layer behaviour the golden files do not cover: default initialisation,
// Dropout, Sequential naming, BatchNorm bookkeeping, and input checks.
#include <cmath>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/multihead_self_attention.h"
#include "nn/relu.h"
#include "nn/sequential.h"
#include "tests/test_util.h"

using namespace chase;

namespace {

double max_abs(const Tensor& t) {
  double m = 0.0;
  for (double v : t.to_vector()) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

TEST_CASE("default initialisation follows PyTorch's bounds and is reproducible from the seed") {
  Generator gen(42);
  Conv2d conv(8, 16, {3, 3}, gen, {.groups = 2});
  const double bound = 1.0 / std::sqrt(4.0 * 9.0);  // fan_in = in / groups * kh * kw
  CHECK(max_abs(conv.weight().value()) <= bound);
  CHECK(max_abs(conv.weight().value()) > 0.9 * bound);  // uniform fills the range
  CHECK(max_abs(conv.bias().value()) <= bound);

  Linear linear(50, 20, gen);
  CHECK(max_abs(linear.weight().value()) <= 1.0 / std::sqrt(50.0));
  CHECK(max_abs(linear.weight().value()) > 0.9 / std::sqrt(50.0));

  MultiheadSelfAttention attention(8, 2, gen);
  const auto state = attention.state_dict();
  CHECK(max_abs(state.at("in_proj_weight")) <= std::sqrt(6.0 / (8 + 24)));  // xavier_uniform_
  CHECK(max_abs(state.at("in_proj_bias")) == 0.0);
  CHECK(max_abs(state.at("out_proj.bias")) == 0.0);
  CHECK(max_abs(state.at("out_proj.weight")) <= 1.0 / std::sqrt(8.0));

  BatchNorm2d norm(4);
  CHECK(norm.weight().value().to_vector() == std::vector<double>(4, 1.0));
  CHECK(norm.bias().value().to_vector() == std::vector<double>(4, 0.0));

  Generator again(42);
  Conv2d same(8, 16, {3, 3}, again, {.groups = 2});
  CHECK(same.weight().value().to_vector() == conv.weight().value().to_vector());
}

TEST_CASE("Dropout zeroes about p of the elements, scales the rest, and is the identity in eval") {
  auto rng = std::make_shared<Generator>(7);
  Dropout dropout(0.3, rng);
  Variable x(ones({100, 100}), /*requires_grad=*/true);
  Variable y = dropout.forward(x);
  auto values = y.value().to_vector();
  std::int64_t zeros_count = 0;
  for (double v : values) {
    if (v == 0.0) {
      ++zeros_count;
    } else {
      CHECK(v == doctest::Approx(1.0 / 0.7));
    }
  }
  // 10000 Bernoulli(0.3) draws: the standard deviation of the count is ~46.
  CHECK(std::abs(static_cast<double>(zeros_count) - 3000.0) < 250.0);
  // The gradient is the same mask.
  sum(y).backward();
  CHECK(x.grad().to_vector() == values);

  // The same stream state gives the same mask.
  Generator saved = *rng;
  auto next = dropout.forward(x).value().to_vector();
  *rng = saved;
  CHECK(dropout.forward(x).value().to_vector() == next);

  dropout.eval();
  CHECK(dropout.forward(x).value().to_vector() == x.value().to_vector());
  CHECK_THROWS_WITH_AS(Dropout(1.5, rng), doctest::Contains("p must be in [0, 1], got 1.5"), Error);
}

TEST_CASE("Sequential names its children by position and chains them") {
  Generator gen(1);
  Sequential net({std::make_shared<Linear>(4, 3, gen), std::make_shared<ReLU>()});
  net.push_back(std::make_shared<Linear>(3, 2, gen));
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(net.size() == 3);
  CHECK(net[1].type_name() == "ReLU");
  CHECK_THROWS_WITH_AS(net[3], doctest::Contains("index 3 out of range for 3 layers"), Error);

  Variable x(test::random_tensor({5, 4}, 2));
  auto& first = dynamic_cast<Linear&>(net[0]);
  auto& last = dynamic_cast<Linear&>(net[2]);
  auto expected = last.forward(relu(first.forward(x)));
  CHECK(net.forward(x).value().to_vector() == expected.value().to_vector());
}

TEST_CASE("BatchNorm2d counts batches in training only and uses running statistics in eval") {
  BatchNorm2d norm(2, 1e-5, 0.5);
  Variable x(test::random_tensor({3, 2, 2, 2}, 3, DType::f32, 1.0, 5.0));
  norm.forward(x);
  {
    NoGradGuard no_grad;  // statistics are tracked in training mode even without a graph
    norm.forward(x);
  }
  CHECK(norm.num_batches_tracked() == 2);

  norm.eval();
  auto before = norm.running_mean().to_vector();
  Variable y = norm.forward(x);
  CHECK(norm.num_batches_tracked() == 2);
  CHECK(norm.running_mean().to_vector() == before);
  // Eval output = (x - running_mean) / sqrt(running_var + eps) (weight 1, bias 0).
  auto xs = x.value().to_vector(), ys = y.value().to_vector();
  auto mean = norm.running_mean().to_vector(), var = norm.running_var().to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto c = (i / 4) % 2;
    CHECK(ys[i] == doctest::Approx((xs[i] - mean[c]) / std::sqrt(var[c] + 1e-5)));
  }
  CHECK_THROWS_WITH_AS(BatchNorm2d(2, 1e-5, 1.5), doctest::Contains("momentum must be in [0, 1]"),
                       Error);
}

TEST_CASE("Flatten merges the requested dims") {
  Variable x(zeros({2, 3, 4, 5}));
  CHECK(Flatten().forward(x).shape() == Shape{2, 60});
  CHECK(Flatten(0, 1).forward(x).shape() == Shape{6, 4, 5});
  CHECK(Flatten(2).forward(x).shape() == Shape{2, 3, 20});
}

TEST_CASE("layers name themselves and the expected shape on bad input") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(Linear(4, 3, gen).forward(Variable(zeros({2, 5}))),
                       doctest::Contains("Linear: expected input [*, 4], got [2, 5]"), Error);
  CHECK_THROWS_WITH_AS(Conv2d(3, 4, {3, 3}, gen).forward(Variable(zeros({1, 2, 5, 5}))),
                       doctest::Contains("Conv2d: expected input [N, 3, H, W], got [1, 2, 5, 5]"),
                       Error);
  CHECK_THROWS_WITH_AS(Conv2d(3, 4, {3, 3}, gen, {.groups = 2}),
                       doctest::Contains("groups (2) must divide in_channels (3)"), Error);
  CHECK_THROWS_WITH_AS(BatchNorm2d(3).forward(Variable(zeros({2, 4, 1, 1}))),
                       doctest::Contains("BatchNorm2d: expected input [N, 3, H, W], got [2, 4, 1, 1]"),
                       Error);
  CHECK_THROWS_WITH_AS(LayerNorm({4, 5}).forward(Variable(zeros({2, 5, 4}))),
                       doctest::Contains("LayerNorm: expected input [*, 4, 5], got [2, 5, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(MaxPool2d({.kernel = {2, 2}, .stride = {0, 1}}),
                       doctest::Contains("MaxPool2d: stride must be positive"), Error);
  CHECK_THROWS_WITH_AS(MultiheadSelfAttention(6, 4, gen),
                       doctest::Contains("num_heads (4) must be positive and divide embed_dim (6)"),
                       Error);
  CHECK_THROWS_WITH_AS(
      MultiheadSelfAttention(6, 2, gen).forward(Variable(zeros({1, 6, 4}))),
      doctest::Contains("MultiheadSelfAttention: expected input [N, 6, H, W], got [1, 6, 4]"),
      Error);
}

TEST_CASE("MultiheadSelfAttention keeps the map's shape and mixes all positions") {
  Generator gen(3);
  MultiheadSelfAttention attention(4, 2, gen);
  Variable x(test::random_tensor({2, 4, 3, 5}, 4), /*requires_grad=*/true);
  Variable y = attention.forward(x);
  CHECK(y.shape() == Shape{2, 4, 3, 5});
  // Output position (0, 0) depends on every input position of its image.
  sum(narrow(narrow(narrow(y, 0, 0, 1), 2, 0, 1), 3, 0, 1)).backward();
  auto grad = x.grad();
  for (std::int64_t h = 0; h < 3; ++h) {
    for (std::int64_t w = 0; w < 5; ++w) {
      CHECK(max_abs(grad.select(0, 0).select(1, h).select(1, w)) > 0.0);
    }
  }
  CHECK(max_abs(grad.select(0, 1)) == 0.0);  // and on nothing of the other image
}

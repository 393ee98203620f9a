// The backward engine on hand-built graphs: reuse, diamonds, accumulation,
// freeing, retain_graph, NoGradGuard, detach, seeds and the error messages.
#include <thread>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "tensor/allocator.h"
#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;

namespace {

Variable leaf(std::initializer_list<double> values, const Shape& shape) {
  return Variable(Tensor::from_vector(values, shape, DType::f64), true);
}

Tensor f64(std::initializer_list<double> values, const Shape& shape) {
  return Tensor::from_vector(values, shape, DType::f64);
}

std::int64_t live_bytes() { return allocator_for(Device::cpu()).stats().live_bytes; }

}  // namespace

TEST_CASE("a Variable used several times gets the sum of its gradients") {
  auto x = leaf({1, 2, 3}, {3});
  // y = sum(x * x + x): dy/dx = 2x + 1
  sum(x * x + x).backward();
  check_close(x.grad(), f64({3, 5, 7}, {3}), 0, 1e-15);
}

TEST_CASE("a diamond graph sums both paths into the shared node") {
  auto x = leaf({0.5, -1.0}, {2});
  auto h = exp(x);        // shared intermediate
  auto a = h * 2.0;       // path 1
  auto b = h * h;         // path 2
  auto y = sum(a + b);    // y = 2 e^x + e^(2x): dy/dx = 2 e^x + 2 e^(2x)
  y.backward();
  auto e = exp(x.value());
  check_close(x.grad(), add(mul(e, 2.0), mul(mul(e, e), 2.0)), 1e-15, 0);
}

TEST_CASE("gradients accumulate over backward calls until zero_grad") {
  auto x = leaf({1, 2}, {2});
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  check_close(x.grad(), f64({6, 6}, {2}), 0, 0);
  x.zero_grad();
  CHECK(!x.has_grad());
  sum(x * 3.0).backward();
  check_close(x.grad(), f64({3, 3}, {2}), 0, 0);
}

TEST_CASE("a leaf's grad does not alias the gradients flowing through the graph") {
  // add passes grad_out unchanged to both inputs; each leaf must own its grad.
  auto a = leaf({1, 2}, {2});
  auto b = leaf({3, 4}, {2});
  auto seed = f64({1, 1}, {2});
  (a + b).backward(seed);
  CHECK(a.grad().storage() != b.grad().storage());
  CHECK(a.grad().storage() != seed.storage());
}

TEST_CASE("backward frees the graph: live bytes return to the baseline") {
  Generator gen(7);
  auto w = Variable(uniform({16, 16}, -1, 1, gen, DType::f64), true);
  auto x = Variable(uniform({8, 16}, -1, 1, gen, DType::f64));
  const auto baseline = live_bytes();
  {
    Variable loss;
    {
      auto h = tanh(matmul(x, w));
      auto logits = matmul(h, transpose(w, 0, 1));
      loss = mean(softmax(logits, 1) * logits);
    }  // intermediates are now held only by the graph
    CHECK(live_bytes() > baseline);
    loss.backward();
    // What remains: the loss value and w's gradient; every saved tensor is gone.
    CHECK(live_bytes() == baseline + loss.numel() * 8 + w.numel() * 8);
  }
  w.zero_grad();
  CHECK(live_bytes() == baseline);
}

TEST_CASE("retain_graph allows a second backward; without it the error says why") {
  auto x = leaf({1, 2}, {2});
  auto y = sum(exp(x));
  y.backward({.retain_graph = true});
  y.backward();
  check_close(x.grad(), mul(exp(x.value()), 2.0), 1e-15, 0);
  CHECK_THROWS_WITH_AS(y.backward(),
                       "backward: the graph through 'sum' was already freed by an earlier "
                       "backward; pass retain_graph = true to the first backward to run it twice",
                       Error);
}

TEST_CASE("NoGradGuard records no graph, nests, and is per thread") {
  auto x = leaf({1, 2}, {2});
  {
    NoGradGuard outer;
    {
      NoGradGuard inner;
    }
    CHECK(!grad_mode_enabled());
    auto y = x * x;
    CHECK(!y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    bool other_thread_enabled = false;
    std::thread([&] { other_thread_enabled = grad_mode_enabled(); }).join();
    CHECK(other_thread_enabled);
  }
  CHECK(grad_mode_enabled());
  CHECK((x * x).requires_grad());
}

TEST_CASE("detach cuts the graph") {
  auto x = leaf({2, 3}, {2});
  auto d = x.detach();
  CHECK(d.is_leaf());
  CHECK(!d.requires_grad());
  CHECK(d.value().storage() == x.value().storage());
  sum(d * x).backward();  // only the non-detached factor carries a gradient
  check_close(x.grad(), x.value(), 0, 0);
}

TEST_CASE("a non-scalar output needs an explicit seed of its shape") {
  auto x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  auto y = x * 3.0;
  CHECK_THROWS_WITH_AS(y.backward(),
                       "backward: the output has shape [2, 3], not a single element; pass a "
                       "seed gradient of that shape",
                       Error);
  CHECK_THROWS_WITH_AS(y.backward(f64({1, 2, 3}, {3})),
                       "backward: seed must be f64 [2, 3] on cpu like the output, got f64 [3] on "
                       "cpu",
                       Error);
  auto seed = f64({1, 0, -1, 2, 0.5, 0}, {2, 3});
  y.backward(seed);
  check_close(x.grad(), mul(seed, 3.0), 0, 0);
}

TEST_CASE("clear errors for gradients that do not exist") {
  auto c = Variable(f64({1, 2}, {2}));
  auto x = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(c.grad(),
                       "Variable::grad: this Variable does not require grad, so it has no "
                       "gradient",
                       Error);
  auto y = x * c;
  CHECK_THROWS_WITH_AS(y.grad(),
                       "Variable::grad: gradients are kept only for leaves, and this Variable was "
                       "made by 'mul'",
                       Error);
  CHECK_THROWS_WITH_AS(sum(c * 2.0).backward(),
                       "backward: the output does not require grad (no input of its graph "
                       "requires grad, or it was computed under NoGradGuard)",
                       Error);
  CHECK_THROWS_AS(y.set_requires_grad(false), Error);
  CHECK_THROWS_WITH_AS(Variable(Tensor::from_vector({1}, {1}, DType::i64), true),
                       "Variable: only floating values can require grad, got i64", Error);
  CHECK_THROWS_WITH_AS(exp(Variable()), "exp: undefined Variable argument", Error);
  sum(y).backward();
  CHECK(!c.has_grad());  // the constant input was not touched
}

TEST_CASE("in-place misuse is impossible: set_value rebinds, saved tensors stay") {
  auto x = leaf({1, 2}, {2});
  auto y = sum(x * x);  // saves x's value for backward
  x.set_value(f64({10, 20}, {2}));
  y.backward();
  check_close(x.grad(), f64({2, 4}, {2}), 0, 0);  // 2 x at the time of the forward
  CHECK_THROWS_WITH_AS(x.set_value(f64({1, 2, 3}, {3})),
                       "Variable::set_value: expected f64 [2], got f64 [3]", Error);
}

TEST_CASE("a graph 100000 nodes deep runs backward and is freed without recursion") {
  auto x = leaf({1}, {1});
  constexpr int depth = 100000;
  {
    Variable y = x;
    for (int i = 0; i < depth; ++i) y = y + 1.0;
    sum(y).backward();
    check_close(x.grad(), f64({1}, {1}), 0, 0);
  }
  {
    Variable y = x;
    for (int i = 0; i < depth; ++i) y = y * 1.0;
  }  // dropped without backward
}

// The multi-exit loss (paper Eq. 5): its value is the weighted sum of each
// exit's cross-entropy, a one-exit model's is the plain cross-entropy to the
// bit, its gradient passes gradcheck in f64, and it agrees with PyTorch
// (tests/golden/chase/multi_exit_loss.json, made by tests/golden/make_chase_golden.py).
#include <doctest/doctest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "chase/train/multi_exit_loss.h"
#include "nn/loss.h"
#include "tests/golden/golden.h"
#include "tests/test_util.h"

using namespace chase;
using namespace chase::train;

namespace {

Tensor labels_of(std::vector<double> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return Tensor::from_vector(values, {n}, DType::i64);
}

std::vector<Variable> random_exits(std::int64_t exits, DType dtype, bool requires_grad) {
  std::vector<Variable> logits;
  for (std::int64_t k = 0; k < exits; ++k) {
    logits.emplace_back(test::random_tensor({4, 5}, 100 + static_cast<std::uint64_t>(k), dtype,
                                            -3.0, 3.0),
                        requires_grad);
  }
  return logits;
}

}  // namespace

TEST_CASE("multi-exit loss: the weighted sum of each exit's cross-entropy") {
  const auto labels = labels_of({0, 3, 4, 1});
  const auto logits = random_exits(3, DType::f64, false);
  double ce[3];
  for (int k = 0; k < 3; ++k) ce[k] = cross_entropy(logits[k], labels, {}).value().item();

  CHECK(MultiExitLoss()(logits, labels).value().item() ==
        doctest::Approx(ce[0] + ce[1] + ce[2]).epsilon(1e-14));
  const MultiExitLoss weighted({.exit_weights = {0.5, 1.0, 2.0}});
  CHECK(weighted(logits, labels).value().item() ==
        doctest::Approx(0.5 * ce[0] + ce[1] + 2.0 * ce[2]).epsilon(1e-14));

  double smoothed[3];
  for (int k = 0; k < 3; ++k) {
    smoothed[k] = cross_entropy(logits[k], labels, {.label_smoothing = 0.1}).value().item();
    CHECK(smoothed[k] != ce[k]);
  }
  const MultiExitLoss smoothing({.exit_weights = {1.0, 0.0, 3.0}, .label_smoothing = 0.1});
  CHECK(smoothing(logits, labels).value().item() ==
        doctest::Approx(smoothed[0] + 3.0 * smoothed[2]).epsilon(1e-14));
}

TEST_CASE("multi-exit loss: one exit is the plain cross-entropy, value and gradient, bit for bit") {
  const auto labels = labels_of({2, 0, 4, 4});
  Variable a(test::random_tensor({4, 5}, 7, DType::f32, -2.0, 2.0), true);
  Variable b(a.value().clone(), true);
  Variable plain = cross_entropy(a, labels);
  Variable ours = MultiExitLoss()({b}, labels);
  plain.backward();
  ours.backward();
  CHECK(ours.value().item() == plain.value().item());
  CHECK(max_abs_diff(a.grad(), b.grad()) == 0.0);
}

TEST_CASE("multi-exit loss: gradcheck in f64 with weights and label smoothing") {
  const auto labels = labels_of({1, 4, 0, 2});
  const MultiExitLoss loss({.exit_weights = {0.25, 1.0, 1.5}, .label_smoothing = 0.2});
  auto result = gradcheck([&](const std::vector<Variable>& x) { return loss(x, labels); },
                          random_exits(3, DType::f64, true));
  INFO(result.str());
  CHECK(result.passed);
}

TEST_CASE("multi-exit loss matches PyTorch, value and every exit's gradient") {
  auto cases = test::load_golden("golden/chase/multi_exit_loss.json");
  REQUIRE(cases.size() >= 3);
  for (const auto& c : cases) {
    const auto exits = c.param<std::int64_t>("exits");
    const auto weights = c.param<std::vector<double>>("exit_weights");
    const MultiExitLoss loss(
        {.exit_weights = weights, .label_smoothing = c.param<double>("label_smoothing")});
    for (auto dtype : c.dtypes()) {
      INFO("case " << c.name() << " in " << name(dtype));
      std::vector<Variable> logits;
      for (std::int64_t k = 0; k < exits; ++k) {
        logits.emplace_back(c.input(fmt::format("logits{}", k), dtype), true);
      }
      Variable value = loss(logits, c.input("target", dtype));
      value.backward();
      test::check_golden(value.value(), c, "loss", dtype);
      for (std::int64_t k = 0; k < exits; ++k) {
        test::check_golden(logits[static_cast<std::size_t>(k)].grad(), c,
                           fmt::format("grad.logits{}", k), dtype);
      }
    }
  }
}

TEST_CASE("multi-exit loss: refusals name the problem") {
  const auto labels = labels_of({0, 1, 2, 3});
  const auto logits = random_exits(2, DType::f32, false);
  CHECK_THROWS_WITH_AS(MultiExitLoss({.exit_weights = {1.0, 1.0, 1.0}})(logits, labels),
                       "multi-exit loss: 3 exit weights for a model with 2 exits", Error);
  CHECK_THROWS_WITH_AS(MultiExitLoss({.exit_weights = {1.0, -0.5}}),
                       "multi-exit loss: exit 2's weight must be finite and non-negative, got -0.5",
                       Error);
  CHECK_THROWS_WITH_AS(MultiExitLoss({.label_smoothing = 1.5}),
                       "multi-exit loss: label smoothing must lie in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(MultiExitLoss()({}, labels), "multi-exit loss: the model returned no exits",
                       Error);
}

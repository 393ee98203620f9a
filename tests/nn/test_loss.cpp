// cross_entropy with label smoothing against PyTorch (tests/golden/nn/loss.json)
// and against central differences in f64.
#include "nn/loss.h"

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "tests/golden/golden.h"

using namespace chase;

TEST_CASE("cross_entropy with label smoothing matches PyTorch, value and gradient") {
  auto cases = test::load_golden("golden/nn/loss.json");
  REQUIRE(cases.size() == 4);
  for (const auto& c : cases) {
    for (auto dtype : c.dtypes()) {
      INFO("case " << c.name() << " in " << name(dtype));
      Variable logits(c.input("logits", dtype), /*requires_grad=*/true);
      Variable loss = cross_entropy(logits, c.input("target", dtype),
                                    {.label_smoothing = c.param<double>("label_smoothing")});
      loss.backward();
      test::check_golden(loss.value(), c, "loss", dtype);
      test::check_golden(logits.grad(), c, "grad.logits", dtype);
    }
  }
}

TEST_CASE("cross_entropy rejects a label smoothing outside [0, 1]") {
  Variable logits(zeros({2, 3}));
  auto target = Tensor::from_vector({0, 2}, {2}, DType::i64);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, target, {.label_smoothing = 1.5}),
                       doctest::Contains("label_smoothing must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, target, {.label_smoothing = -0.1}),
                       doctest::Contains("label_smoothing must be in [0, 1]"), Error);
}

TEST_CASE("cross_entropy with label smoothing passes gradcheck in f64") {
  auto target = Tensor::from_vector({2, 0, 3, 3, 1}, {5}, DType::i64);
  for (double smoothing : {0.0, 0.1, 0.5, 1.0}) {
    INFO("label_smoothing " << smoothing);
    Variable logits(test::random_tensor({5, 4}, 42, DType::f64, -3.0, 3.0), true);
    auto result = gradcheck(
        [&](const std::vector<Variable>& x) {
          return cross_entropy(x[0], target, {.label_smoothing = smoothing});
        },
        {logits});
    INFO(result.str());
    CHECK(result.passed);
  }
}

TEST_CASE("cross_entropy without label smoothing is the plain cross-entropy, bit for bit") {
  auto target = Tensor::from_vector({1, 2, 0}, {3}, DType::i64);
  Variable a(test::random_tensor({3, 6}, 9, DType::f32, -2.0, 2.0), true);
  Variable b(a.value().clone(), true);
  Variable ours = cross_entropy(a, target, {});
  Variable plain = cross_entropy(b, target);
  ours.backward();
  plain.backward();
  CHECK(ours.value().item() == plain.value().item());
  CHECK(max_abs_diff(a.grad(), b.grad()) == 0.0);
}

// cross_entropy with label smoothing against PyTorch (tests/golden/nn/loss.json).
#include "nn/loss.h"

#include "autograd/functions.h"
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
                                    c.param<double>("label_smoothing"));
      loss.backward();
      test::check_golden(loss.value(), c, "loss", dtype);
      test::check_golden(logits.grad(), c, "grad.logits", dtype);
    }
  }
}

TEST_CASE("cross_entropy rejects a label smoothing outside [0, 1]") {
  Variable logits(zeros({2, 3}));
  auto target = Tensor::from_vector({0, 2}, {2}, DType::i64);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, target, 1.5),
                       doctest::Contains("label_smoothing must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, target, -0.1),
                       doctest::Contains("label_smoothing must be in [0, 1]"), Error);
}

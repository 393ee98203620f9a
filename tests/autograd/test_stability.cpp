// Backward formulas stay finite and exact where a naive one overflows: logits
// far beyond exp's range (exp(1000) is inf in f32 and f64). Tolerances are the
// project's per dtype (1e-5 for f32, whose fast exp is good to a few ulp; 1e-12
// for f64) relative to values of order one.
#include "autograd/functions.h"
#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;

namespace {
double tolerance(DType dtype) { return dtype == DType::f32 ? 1e-5 : 1e-12; }
}  // namespace

TEST_CASE("cross_entropy and its gradient are exact for logits of +-1000") {
  for (auto dtype : {DType::f32, DType::f64}) {
    INFO(name(dtype));
    Variable logits(Tensor::from_vector({1000, 0, -1000, -1000, 1000, 0}, {2, 3}, dtype), true);
    Tensor target = Tensor::from_vector({0, 0}, {2}, DType::i64);
    auto loss = cross_entropy(logits, target);
    // -log_softmax at the targets: 0 for row 0, 2000 for row 1; mean 1000.
    check_close(loss.value(), Tensor::scalar(1000, dtype), tolerance(dtype), 0);
    loss.backward();
    // (softmax - one_hot(target)) / N, with softmax exactly one-hot here.
    check_close(logits.grad(),
                Tensor::from_vector({0, 0, 0, -0.5, 0.5, 0}, {2, 3}, dtype), 0, tolerance(dtype));
  }
}

TEST_CASE("log_softmax and softmax backward are finite for logits of +-1000") {
  for (auto dtype : {DType::f32, DType::f64}) {
    INFO(name(dtype));
    Tensor values = Tensor::from_vector({1000, 0, -1000}, {1, 3}, dtype);
    Tensor seed = Tensor::from_vector({1, 2, 3}, {1, 3}, dtype);
    Variable x(values, true);
    auto y = log_softmax(x, 1);
    check_close(y.value(), Tensor::from_vector({0, -1000, -2000}, {1, 3}, dtype), tolerance(dtype),
                tolerance(dtype));
    y.backward(seed);
    // g - softmax * sum(g) = [1, 2, 3] - [1, 0, 0] * 6
    check_close(x.grad(), Tensor::from_vector({-5, 2, 3}, {1, 3}, dtype), tolerance(dtype), 0);

    Variable z(values, true);
    softmax(z, 1).backward(seed);
    // softmax * (g - sum(g * softmax)) = [1, 0, 0] * ([1, 2, 3] - 1) = 0
    check_close(z.grad(), zeros({1, 3}, dtype), 0, tolerance(dtype));
  }
}

// The fused sgd_step against the same rule written with separate elementwise
// ops (the form it replaced), in both dtypes, for every branch of the rule.
// nn/test_sgd.cpp checks whole trajectories against torch.optim.SGD.
#include <cmath>
#include <limits>

#include "tensor/ops.h"
#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::floating_dtypes;
using chase::test::random_tensor;

namespace {

// tensor/sgd_rule.h spelled out with one tensor op per arithmetic step.
SgdStepResult composed_step(const Tensor& p, const Tensor& g, const Tensor& buffer,
                            const SgdStepOptions& o) {
  Tensor d = o.weight_decay != 0.0 ? add(g, mul(p, o.weight_decay)) : g;
  Tensor next_buffer;
  if (o.momentum != 0.0) {
    next_buffer = buffer.defined() ? add(mul(buffer, o.momentum), mul(d, 1.0 - o.dampening))
                                   : d.clone();
    d = o.nesterov ? add(d, mul(next_buffer, o.momentum)) : next_buffer;
  }
  return {sub(p, mul(d, o.lr)), next_buffer};
}

// The fused rule rounds each multiply-add once (an fma) where the composed
// ops round the product and the sum: at most half an ulp of each of the
// rule's four multiply-adds, propagated through magnitudes of about 1 here
// (inputs in [-1, 1], lr <= 0.2, momentum 0.9): 8 ulps of 1 bounds it.
void check_same_rule(const Tensor& actual, const Tensor& expected, const char* what) {
  INFO(what);
  REQUIRE(actual.defined() == expected.defined());
  if (!expected.defined()) return;
  CHECK(actual.dtype() == expected.dtype());
  const double ulp_of_one = actual.dtype() == DType::f32 ? 0x1p-23 : 0x1p-52;
  check_close(actual, expected, 0.0, 8 * ulp_of_one, what);
}

}  // namespace

TEST_CASE("sgd_step equals the rule composed from elementwise ops") {
  struct Variant {
    const char* name;
    SgdStepOptions options;
    bool has_buffer;
  };
  const Variant variants[] = {
      {"plain", {0.1, 0.0, 0.0, 0.0, false}, false},
      {"plain with weight decay", {0.05, 0.0, 0.0, 5e-4, false}, false},
      {"momentum, first step", {0.1, 0.9, 0.0, 5e-4, false}, false},
      {"momentum with dampening", {0.1, 0.9, 0.3, 5e-4, false}, true},
      {"nesterov, first step", {0.2, 0.9, 0.0, 1e-3, true}, false},
      {"nesterov", {0.2, 0.9, 0.0, 1e-3, true}, true},
  };
  for (auto dtype : floating_dtypes) {
    // 40000 elements: above the size where the CPU loop runs in parallel.
    for (const Shape& shape : {Shape{7}, Shape{40, 1000}}) {
      const Tensor p = random_tensor(shape, 1, dtype);
      const Tensor g = random_tensor(shape, 2, dtype);
      const Tensor b = random_tensor(shape, 3, dtype);
      for (const auto& v : variants) {
        CAPTURE(v.name);
        CAPTURE(name(dtype));
        const Tensor buffer = v.has_buffer ? b : Tensor();
        const auto fused = sgd_step(p, g, buffer, v.options);
        const auto expected = composed_step(p, g, buffer, v.options);
        check_same_rule(fused.param, expected.param, "param");
        check_same_rule(fused.momentum_buffer, expected.momentum_buffer, "momentum buffer");
      }
    }
  }
}

TEST_CASE("sgd_step by hand: one nesterov step from an existing buffer") {
  // d = 1 + 0.5 * 2 = 2; b = 0.5 * 4 + 1 * 2 = 4; d = 2 + 0.5 * 4 = 4; p = 2 - 0.25 * 4 = 1
  const auto next =
      sgd_step(Tensor::from_vector({2}, {1}, DType::f64), Tensor::from_vector({1}, {1}, DType::f64),
               Tensor::from_vector({4}, {1}, DType::f64), {0.25, 0.5, 0.0, 0.5, true});
  CHECK(next.param.item() == 1.0);
  CHECK(next.momentum_buffer.item() == 4.0);
}

TEST_CASE("sgd_step leaves its inputs unchanged and takes strided gradients") {
  const Tensor p = random_tensor({3, 5}, 4, DType::f32);
  const Tensor g_t = random_tensor({5, 3}, 5, DType::f32).transpose(0, 1);
  const Tensor b = random_tensor({3, 5}, 6, DType::f32);
  const auto p_before = p.clone(), b_before = b.clone();
  const SgdStepOptions o{0.1, 0.9, 0.0, 1e-4, true};
  const auto fused = sgd_step(p, g_t, b, o);
  CHECK(max_abs_diff(p, p_before) == 0.0);
  CHECK(max_abs_diff(b, b_before) == 0.0);
  CHECK(max_abs_diff(fused.param, sgd_step(p, g_t.contiguous(), b, o).param) == 0.0);
}

TEST_CASE("sgd_step without weight decay keeps an infinite parameter infinite") {
  // 0 * inf is NaN: the decay term is skipped, not multiplied by zero.
  const double inf = std::numeric_limits<double>::infinity();
  const auto next = sgd_step(Tensor::from_vector({inf}, {1}), Tensor::from_vector({1}, {1}),
                             Tensor(), {0.1, 0.0, 0.0, 0.0, false});
  CHECK(next.param.item() == inf);
}

TEST_CASE("sgd_step errors name the argument, the expected and the actual") {
  const Tensor p = Tensor::empty({2, 3});
  const SgdStepOptions plain{0.1, 0.0, 0.0, 0.0, false};
  CHECK_THROWS_WITH_AS(sgd_step(p, Tensor::empty({3, 2}), Tensor(), plain),
                       "sgd_step: grad must have shape [2, 3], got [3, 2]", Error);
  CHECK_THROWS_WITH_AS(sgd_step(p, Tensor::empty({2, 3}, DType::f64), Tensor(), plain),
                       "sgd_step: grad is f64 but param is f32", Error);
  CHECK_THROWS_WITH_AS(sgd_step(Tensor::empty({2}, DType::i64), Tensor::empty({2}, DType::i64),
                                Tensor(), plain),
                       "sgd_step: param must be f32 or f64, got i64", Error);
  CHECK_THROWS_WITH_AS(sgd_step(p, p, p, plain),
                       "sgd_step: a momentum buffer was passed but momentum is 0", Error);
  CHECK_THROWS_WITH_AS(sgd_step(p, p, Tensor::empty({6}), {0.1, 0.9, 0.0, 0.0, false}),
                       "sgd_step: momentum_buffer must have shape [2, 3], got [6]", Error);
  CHECK_THROWS_WITH_AS(sgd_step(p, p, Tensor(), {-0.1, 0.0, 0.0, 0.0, false}),
                       "sgd_step: lr must be finite and >= 0, got -0.1", Error);
  CHECK_THROWS_WITH_AS(sgd_step(p, p, Tensor(), {0.1, 0.9, 0.1, 0.0, true}),
                       "sgd_step: nesterov needs momentum > 0 and dampening 0, got momentum 0.9 "
                       "and dampening 0.1",
                       Error);
}

// SGD trajectories against torch.optim.SGD (tests/golden/nn/optim.json: momentum,
// dampening, nesterov, weight decay with and without biases, gradient clipping),
// and the optimizer's argument and state checks.
#include "nn/optim/sgd.h"

#include <cmath>

#include "autograd/functions.h"
#include "nn/linear.h"
#include "nn/optim/clip_grad.h"
#include "tensor/ops.h"
#include "tests/golden/golden.h"

using namespace chase;
using test::GoldenCase;

namespace {

// Trains the case's Linear(4, 3) on cross_entropy(layer(x), target) and
// compares the parameters after every step with PyTorch's.
void run_sgd_case(const GoldenCase& c, DType dtype) {
  Generator gen(0);
  Linear layer(4, 3, gen);
  layer.to(dtype);
  layer.load_state_dict({{"weight", c.input("state.weight", dtype)},
                         {"bias", c.input("state.bias", dtype)}});
  SgdOptions options{.lr = c.param<double>("lr"),
                     .momentum = c.param<double>("momentum"),
                     .dampening = c.param<double>("dampening"),
                     .weight_decay = c.param<double>("weight_decay"),
                     .nesterov = c.param<bool>("nesterov")};
  WeightDecayFilter filter;
  if (c.param<bool>("decay_only_weights")) filter = decay_only_weights;
  Sgd sgd(layer.named_parameters(), options, filter);
  auto max_norm = c.optional_param("max_norm");

  Variable x(c.input("x", dtype));
  Tensor target = c.input("target", dtype);
  std::vector<double> norms;
  const auto steps = c.param<int>("steps");
  for (int step = 1; step <= steps; ++step) {
    sgd.zero_grad();
    cross_entropy(layer.forward(x), target).backward();
    if (max_norm) norms.push_back(clip_grad_norm(layer.parameters(), *max_norm));
    sgd.step();
    for (const auto& [name, p] : layer.named_parameters()) {
      test::check_golden(p.value(), c, fmt::format("step{}.{}", step, name), dtype);
    }
  }
  if (options.momentum != 0.0) {
    for (const auto& [name, buffer] : sgd.momentum_buffers()) {
      test::check_golden(buffer, c, "momentum_buffer." + name, dtype);
    }
    CHECK(sgd.momentum_buffers().size() == 2);
  }
  if (max_norm) {
    test::check_golden(Tensor::from_vector(norms, {steps}, DType::f64), c.expected("grad_norm"),
                       DType::f64, c.name() + " grad_norm");
  }
}

}  // namespace

TEST_CASE("SGD trajectories match torch.optim.SGD step by step") {
  auto cases = test::load_golden("golden/nn/optim.json");
  REQUIRE(cases.size() == 6);
  for (const auto& c : cases) {
    for (auto dtype : c.dtypes()) {
      INFO("case " << c.name() << " in " << name(dtype));
      try {
        run_sgd_case(c, dtype);
      } catch (const std::exception& e) {
        FAIL_CHECK("threw: " << std::string(e.what()));
      }
    }
  }
}

TEST_CASE("SGD skips parameters without a gradient") {
  Generator gen(1);
  Linear used(2, 2, gen), unused(2, 2, gen);
  auto params = used.named_parameters();
  params.emplace_back("unused.weight", unused.weight());
  Sgd sgd(params, {.lr = 0.1, .momentum = 0.9});
  auto before = unused.weight().value().to_vector();
  sum(used.forward(Variable(ones({1, 2})))).backward();
  sgd.step();
  CHECK(unused.weight().value().to_vector() == before);
  CHECK(sgd.momentum_buffers().size() == 2);  // only used.weight and used.bias
}

TEST_CASE("decay_only_weights excludes biases and normalisation parameters") {
  CHECK(decay_only_weights("conv.weight", Variable(zeros({4, 3, 3, 3}), true)));
  CHECK(decay_only_weights("fc.weight", Variable(zeros({10, 4}), true)));
  CHECK_FALSE(decay_only_weights("fc.bias", Variable(zeros({10}), true)));
  CHECK_FALSE(decay_only_weights("bn.weight", Variable(zeros({4}), true)));
}

TEST_CASE("SGD rejects bad options and parameters") {
  Generator gen(2);
  Linear layer(2, 2, gen);
  auto params = layer.named_parameters();
  CHECK_THROWS_WITH_AS(Sgd(params, {.lr = -1.0}),
                       doctest::Contains("lr must be finite and non-negative, got -1"), Error);
  CHECK_THROWS_WITH_AS(Sgd(params, {.lr = INFINITY}),
                       doctest::Contains("lr must be finite and non-negative, got inf"), Error);
  Sgd valid(params, {.lr = 0.1});
  CHECK_THROWS_WITH_AS(valid.set_lr(NAN),
                       doctest::Contains("Sgd::set_lr: lr must be finite and non-negative, got nan"),
                       Error);
  CHECK_THROWS_WITH_AS(Sgd(params, {.momentum = 0.0, .nesterov = true}),
                       doctest::Contains("nesterov needs momentum > 0 and dampening 0"), Error);
  CHECK_THROWS_WITH_AS(Sgd(params, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                       doctest::Contains("dampening 0.1"), Error);
  params.push_back(params.front());
  CHECK_THROWS_WITH_AS(Sgd(params, {}), doctest::Contains("\"weight\" appears twice"), Error);
  CHECK_THROWS_WITH_AS(Sgd({{"frozen", Variable(zeros({2}))}}, {}),
                       doctest::Contains("\"frozen\" must be a leaf Variable that requires grad"),
                       Error);
}

TEST_CASE("momentum buffers load back and bad ones are named") {
  Generator gen(3);
  Linear layer(3, 2, gen);
  Sgd sgd(layer.named_parameters(), {.lr = 0.1, .momentum = 0.9});
  sum(layer.forward(Variable(ones({2, 3})))).backward();
  sgd.step();
  auto saved = sgd.momentum_buffers();
  REQUIRE(saved.size() == 2);

  Sgd fresh(layer.named_parameters(), {.lr = 0.1, .momentum = 0.9});
  fresh.load_momentum_buffers(saved);
  for (const auto& [name, buffer] : fresh.momentum_buffers()) {
    CHECK(buffer.to_vector() == saved.at(name).to_vector());
  }

  TensorMap bad{{"weight", zeros({3, 2})}, {"bias", zeros({2}, DType::f64)}, {"extra", zeros({1})}};
  CHECK_THROWS_WITH_AS(fresh.load_momentum_buffers(bad),
                       doctest::Contains("3 problem(s): \"weight\": expected f32 [2, 3], got f32 "
                                         "[3, 2]; \"bias\": expected f32 [2], got f64 [2]; "
                                         "unexpected \"extra\""),
                       Error);
  // The failed load changed nothing.
  CHECK(fresh.momentum_buffers().at("weight").to_vector() == saved.at("weight").to_vector());
}

TEST_CASE("SGD momentum buffers follow the model to another dtype") {
  Generator gen(4);
  Linear layer(3, 2, gen);
  const double lr = 0.1, momentum = 0.9;
  Sgd sgd(layer.named_parameters(), {.lr = lr, .momentum = momentum});
  sum(layer.forward(Variable(ones({2, 3})))).backward();
  sgd.step();

  // Where the model stays, the buffers are the optimizer's own.
  const auto storage = sgd.momentum_buffers().at("weight").storage();
  CHECK(sgd.momentum_buffers().at("weight").storage() == storage);

  // Converted, the model has f64 parameters; the buffers follow without a
  // step (a checkpoint taken now matches the model) and keep their values.
  const auto buffer_before = sgd.momentum_buffers().at("weight").to_vector();
  layer.to(DType::f64);
  CHECK(sgd.momentum_buffers().at("weight").dtype() == DType::f64);
  CHECK(sgd.momentum_buffers().at("weight").to_vector() == buffer_before);

  // The optimizer's handles are the module's: its step updates the converted
  // weights, p - lr * (momentum * b + g), with the converted buffer b.
  sgd.zero_grad();
  sum(layer.forward(Variable(ones({2, 3}, DType::f64)))).backward();
  const Tensor weight = layer.weight().value(), grad = layer.weight().grad();
  const Tensor expected =
      sub(weight, mul(add(mul(sgd.momentum_buffers().at("weight"), momentum), grad), lr));
  sgd.step();
  CHECK(layer.weight().dtype() == DType::f64);
  CHECK(sgd.momentum_buffers().at("weight").dtype() == DType::f64);
  // The fused step rounds each multiply-add once: equal to a rounding or two.
  CHECK(max_abs_diff(layer.weight().value(), expected) <= 1e-15);
}

TEST_CASE("clip_grad_norm returns the total norm and scales only above max_norm") {
  Variable a(zeros({2}), true), b(zeros({1}), true);
  Variable unused(zeros({2}), true);
  // grad a = [3, 0], grad b = [4]: total norm 5.
  Variable weights(Tensor::from_vector({3.0, 0.0}, {2}));
  add(sum(mul(a, weights)), sum(mul(b, 4.0))).backward();

  CHECK(clip_grad_norm({a, b, unused}, 10.0) == doctest::Approx(5.0));
  CHECK(a.grad().to_vector() == std::vector<double>{3.0, 0.0});  // below max_norm: unchanged

  CHECK(clip_grad_norm({a, b, unused}, 1.0) == doctest::Approx(5.0));
  CHECK(a.grad().to_vector()[0] == doctest::Approx(3.0 / 5.0));
  CHECK(b.grad().to_vector()[0] == doctest::Approx(4.0 / 5.0));
  CHECK(clip_grad_norm({a, b}, 1.0) == doctest::Approx(1.0).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, 0.0), doctest::Contains("max_norm must be positive"),
                       Error);
}

// Every layer's forward, input gradient, parameter gradients and (BatchNorm)
// updated running statistics against PyTorch 1.13, in f64 and f32, from
// tests/golden/nn/layers.json (made by tests/golden/make_nn_golden.py). Each case
// carries PyTorch's module state, loaded with load_state_dict, so the results do
// not depend on either library's initialisation.
#include <memory>

#include "nn/adaptive_avg_pool2d.h"
#include "nn/avg_pool2d.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/gelu.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/multihead_self_attention.h"
#include "nn/relu.h"
#include "nn/sequential.h"
#include "nn/sigmoid.h"
#include "tests/golden/golden.h"

using namespace chase;
using test::GoldenCase;

namespace {

Pair pair_param(const GoldenCase& c, const std::string& key) {
  auto v = c.param<std::vector<std::int64_t>>(key);
  CHASE_CHECK(v.size() == 2, "{}: param {} must hold 2 numbers", c.name(), key);
  return {v[0], v[1]};
}

Pool2dOptions pool_options(const GoldenCase& c) {
  return {pair_param(c, "kernel"), pair_param(c, "stride"), pair_param(c, "padding"),
          c.param<bool>("count_include_pad")};
}

// The chase layer a case describes; its initial values are overwritten by the case's state.
std::shared_ptr<Module> build_layer(const GoldenCase& c) {
  Generator gen(0);
  const auto& op = c.op();
  if (op == "linear") {
    return std::make_shared<Linear>(c.param<std::int64_t>("in_features"),
                                    c.param<std::int64_t>("out_features"), gen,
                                    c.param<bool>("bias"));
  }
  if (op == "conv2d") {
    Conv2dOptions options{pair_param(c, "stride"), pair_param(c, "padding"),
                          pair_param(c, "dilation"), c.param<std::int64_t>("groups")};
    return std::make_shared<Conv2d>(c.param<std::int64_t>("in_channels"),
                                    c.param<std::int64_t>("out_channels"),
                                    pair_param(c, "kernel"), gen, options, c.param<bool>("bias"));
  }
  if (op == "batch_norm2d") {
    return std::make_shared<BatchNorm2d>(c.param<std::int64_t>("num_features"),
                                         c.param<double>("eps"), c.param<double>("momentum"),
                                         c.param<bool>("affine"));
  }
  if (op == "layer_norm") {
    return std::make_shared<LayerNorm>(c.param<Shape>("normalized_shape"), c.param<double>("eps"));
  }
  if (op == "relu") return std::make_shared<ReLU>();
  if (op == "gelu") return std::make_shared<GELU>();
  if (op == "sigmoid") return std::make_shared<Sigmoid>();
  if (op == "max_pool2d") return std::make_shared<MaxPool2d>(pool_options(c));
  if (op == "avg_pool2d") return std::make_shared<AvgPool2d>(pool_options(c));
  if (op == "adaptive_avg_pool2d") {
    return std::make_shared<AdaptiveAvgPool2d>(pair_param(c, "output_size"));
  }
  if (op == "multihead_self_attention") {
    return std::make_shared<MultiheadSelfAttention>(c.param<std::int64_t>("embed_dim"),
                                                    c.param<std::int64_t>("num_heads"), gen);
  }
  if (op == "sequential") {
    // The stack of make_nn_golden.py's sequential case.
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Conv2d>(3, 4, Pair{3, 3}, gen, Conv2dOptions{.padding = {1, 1}}),
        std::make_shared<BatchNorm2d>(4), std::make_shared<ReLU>(),
        std::make_shared<MaxPool2d>(Pool2dOptions{}), std::make_shared<Flatten>(),
        std::make_shared<Linear>(16, 5, gen)});
  }
  throw Error("no layer for golden op \"" + op + "\"");
}

void run_layer_case(const GoldenCase& c, DType dtype) {
  auto layer = build_layer(c);
  layer->to(dtype);
  TensorMap state;
  for (const auto& name : c.param<std::vector<std::string>>("state")) {
    state[name] = c.input("state." + name, dtype);
  }
  layer->load_state_dict(state);
  layer->train(c.param<bool>("train"));

  Variable x(c.input("x", dtype), /*requires_grad=*/true);
  Variable out = layer->forward(x);
  out.backward(c.input("grad_out", dtype));

  check_golden(out.value(), c, "out", dtype);
  check_golden(x.grad(), c, "grad.x", dtype);
  for (const auto& [name, parameter] : layer->named_parameters()) {
    check_golden(parameter.grad(), c, "grad." + name, dtype);
  }
  auto after = layer->state_dict();
  for (const auto& name : c.param<std::vector<std::string>>("state_after")) {
    check_golden(after.at(name), c, "state_after." + name, dtype);
  }
}

}  // namespace

TEST_CASE("layers match PyTorch: forward, gradients and running statistics") {
  auto cases = test::load_golden("golden/nn/layers.json");
  REQUIRE(cases.size() >= 20);
  for (const auto& c : cases) {
    for (auto dtype : c.dtypes()) {
      INFO("case " << c.name() << " in " << name(dtype));
      try {
        run_layer_case(c, dtype);
      } catch (const std::exception& e) {
        FAIL_CHECK("threw: " << std::string(e.what()));
      }
    }
  }
}

// The FLOPs counter (chase/flops/) on tiny models whose multiply-adds are worked
// out by hand in the comments; benchmarks/peers/flops_torch.py counts the same
// models in PyTorch with forward hooks and gets the same figures.
#include <nlohmann/json.hpp>

#include "autograd/functions.h"
#include "chase/flops/flops_counter.h"
#include "chase/models/msdnet_presets.h"
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
#include "tests/test_util.h"

using namespace chase;

namespace {

std::vector<std::int64_t> macs_of(const FlopsProfile& profile, FlopsConvention convention) {
  std::vector<std::int64_t> macs;
  for (const auto& exit : profile.exits(convention)) macs.push_back(exit.macs);
  return macs;
}

std::vector<std::int64_t> params_of(const FlopsProfile& profile, FlopsConvention convention) {
  std::vector<std::int64_t> params;
  for (const auto& exit : profile.exits(convention)) params.push_back(exit.params);
  return params;
}

std::int64_t single_exit_macs(Module& model, const Shape& input) {
  auto exits = profile_flops(model, input).exits(FlopsConvention::msdnet);
  REQUIRE(exits.size() == 1);
  return exits[0].macs;
}

// conv - BN - ReLU - max pool - depthwise conv - GELU - avg pool - flatten - linear
std::shared_ptr<Sequential> small_net(Generator& gen) {
  auto net = std::make_shared<Sequential>();
  net->push_back(
      std::make_shared<Conv2d>(3, 4, Pair{3, 3}, gen, Conv2dOptions{.padding = {1, 1}}));
  net->push_back(std::make_shared<BatchNorm2d>(4));
  net->push_back(std::make_shared<ReLU>());
  net->push_back(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  net->push_back(std::make_shared<Conv2d>(4, 4, Pair{3, 3}, gen,
                                          Conv2dOptions{.padding = {1, 1}, .groups = 4}));
  net->push_back(std::make_shared<GELU>());
  net->push_back(std::make_shared<AvgPool2d>(Pool2dOptions{}));
  net->push_back(std::make_shared<Flatten>());
  net->push_back(std::make_shared<Linear>(16, 10, gen));
  return net;
}

// Two exits, with a dead call and a call only the second exit needs run before
// the first exit's head, so that the three conventions all differ:
//   stem  Conv2d(1, 2, 3x3, pad 1) [1,4,4] -> [2,4,4]   1*2*9*16 = 288 MACs, 20 params
//   dead  ReLU on the stem's output, unused              2*16     =  32,       0
//   body  Conv2d(2, 2, 1x1)        [2,4,4] -> [2,4,4]   2*2*1*16 =  64,       6
//   head1 Flatten, Linear(32, 3)   on the stem's output  32*3 + 3 =  99,      99  -> exit 1
//   head2 Flatten, Linear(32, 3)   on the body's output  32*3 + 3 =  99,      99  -> exit 2
class ToyTwoExit : public MultiExitModel {
 public:
  explicit ToyTwoExit(Generator& gen) : MultiExitModel("ToyTwoExit") {
    stem_ = register_module("stem", std::make_shared<Conv2d>(1, 2, Pair{3, 3}, gen,
                                                              Conv2dOptions{.padding = {1, 1}}));
    dead_ = register_module("dead", std::make_shared<ReLU>());
    body_ = register_module("body", std::make_shared<Conv2d>(2, 2, Pair{1, 1}, gen));
    head1_ = register_module("head1", head(gen));
    head2_ = register_module("head2", head(gen));
  }
  std::vector<Variable> forward_exits(const Variable& x) override {
    Variable stem = (*stem_)(x);
    (*dead_)(stem);
    Variable body = (*body_)(stem);
    Variable exit1 = (*head1_)(stem);
    return {exit1, (*head2_)(body)};
  }
  std::int64_t exit_count() const override { return 2; }

 private:
  static std::shared_ptr<Sequential> head(Generator& gen) {
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Flatten>(), std::make_shared<Linear>(32, 3, gen)});
  }
  std::shared_ptr<Module> stem_, dead_, body_, head1_, head2_;
};

// A leaf layer no rule knows.
class Mystery : public Module {
 public:
  Mystery() : Module("Mystery") {}
  Variable forward(const Variable& x) override { return mul(x, 2.0); }
};

// A composite whose forward multiplies functionally (as a CAM written without a
// module for its channel multiply would): refused, the cost would be lost.
class FunctionalScale : public Module {
 public:
  explicit FunctionalScale(Generator& gen) : Module("FunctionalScale") {
    gate_ = register_module("gate", std::make_shared<Conv2d>(2, 2, Pair{1, 1}, gen));
  }
  Variable forward(const Variable& x) override { return mul(x, (*gate_)(x)); }

 private:
  std::shared_ptr<Conv2d> gate_;
};

// The shape of CHASE's CAM: x times a channel gate its children compute,
// sigmoid(conv(gelu(conv(global average pool x)))); the multiply is the module's own.
class ChannelGate : public Module {
 public:
  // rectify: the gate reads relu(x), a functional op of the module's own between its
  // input and its children.
  ChannelGate(std::int64_t channels, Generator& gen, bool rectify = false)
      : Module("ChannelGate"), rectify_(rectify) {
    gate_ = register_module(
        "gate", std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
                    std::make_shared<AdaptiveAvgPool2d>(Pair{1, 1}),
                    std::make_shared<Conv2d>(channels, channels / 2, Pair{1, 1}, gen),
                    std::make_shared<GELU>(),
                    std::make_shared<Conv2d>(channels / 2, channels, Pair{1, 1}, gen),
                    std::make_shared<Sigmoid>()}));
  }
  Variable forward(const Variable& x) override {
    return mul(x, (*gate_)(rectify_ ? relu(x) : x));
  }

 private:
  bool rectify_;
  std::shared_ptr<Sequential> gate_;
};

// A composite calling its child's forward directly, out of the observer's sight.
class HiddenChild : public Module {
 public:
  explicit HiddenChild(Generator& gen) : Module("HiddenChild") {
    conv_ = register_module("conv", std::make_shared<Conv2d>(2, 2, Pair{1, 1}, gen));
  }
  Variable forward(const Variable& x) override { return conv_->forward(x); }

 private:
  std::shared_ptr<Conv2d> conv_;
};

// Dense concatenation and a residual addition, both free (op_counter counts modules):
//   a  Conv2d(2, 2, 1x1) on [2,3,3]:           2*2*9 = 36
//   b  Conv2d(4, 2, 1x1) on the concat [4,3,3]: 4*2*9 = 72
class DenseResidual : public Module {
 public:
  explicit DenseResidual(Generator& gen) : Module("DenseResidual") {
    a_ = register_module("a", std::make_shared<Conv2d>(2, 2, Pair{1, 1}, gen));
    b_ = register_module("b", std::make_shared<Conv2d>(4, 2, Pair{1, 1}, gen));
  }
  Variable forward(const Variable& x) override {
    Variable dense = concat({x, (*a_)(x)}, 1);
    return add(x, (*b_)(dense));
  }

 private:
  std::shared_ptr<Conv2d> a_, b_;
};

}  // namespace

TEST_CASE("flops: conv, BN, ReLU, pools, depthwise conv, GELU and linear by hand") {
  Generator gen(1);
  auto net = small_net(gen);
  // [3,8,8] conv 3->4 3x3 pad 1: 3*4*9*8*8      = 6912
  // BatchNorm2d                                  =    0
  // ReLU on [4,8,8]                              =  256
  // MaxPool2d 2/2: 4 * 4*4 * 2*2                 =  256
  // depthwise conv 4->4 g4 3x3 on [4,4,4]: 4*4*9*4*4/4 = 576
  // GELU on [4,4,4]                              =   64
  // AvgPool2d 2/2: 4 * 2*2 * 2*2                 =   64
  // Flatten                                      =    0
  // Linear 16 -> 10: 16*10 + 10                  =  170
  //                                        total = 8298
  auto profile = profile_flops(*net, {3, 8, 8});
  CHECK(profile.params == 330);  // 3*4*9+4 + BN 2*4 + 4*9+4 + 16*10+10
  CHECK(profile.input == Shape{3, 8, 8});
  REQUIRE(profile.calls.size() == 9);
  const std::vector<std::int64_t> per_call = {6912, 0, 256, 256, 576, 64, 64, 0, 170};
  for (std::size_t c = 0; c < per_call.size(); ++c) {
    INFO(profile.calls[c].type);
    CHECK(profile.calls[c].macs == per_call[c]);
  }
  CHECK(profile.calls[4].name == "4");
  CHECK(profile.calls[4].input == Shape{1, 4, 4, 4});
  for (auto convention :
       {FlopsConvention::msdnet, FlopsConvention::lazy, FlopsConvention::sequential}) {
    CHECK(macs_of(profile, convention) == std::vector<std::int64_t>{8298});
    CHECK(params_of(profile, convention) == std::vector<std::int64_t>{330});
  }
}

TEST_CASE("flops: the other layer rules by hand") {
  Generator gen(2);
  // Strided convolution on a non-square map: [2,5,7] -> [3,3,4]: 2*3*9*3*4 = 648.
  Conv2d strided(2, 3, {3, 3}, gen, {.stride = {2, 2}, .padding = {1, 1}});
  CHECK(single_exit_macs(strided, {2, 5, 7}) == 648);
  // Global average pooling: every input element once, 4*5*6 = 120.
  AdaptiveAvgPool2d global({1, 1});
  CHECK(single_exit_macs(global, {4, 5, 6}) == 120);
  // Sigmoid: one per element.
  Sigmoid sigmoid;
  CHECK(single_exit_macs(sigmoid, {2, 3, 3}) == 18);
  // Linear without bias on a 4-d input [1,2,3,5]: 6 rows * 5*4 = 120.
  Linear linear(5, 4, gen, /*bias=*/false);
  CHECK(single_exit_macs(linear, {2, 3, 5}) == 120);
  // LayerNorm over the last dim: 4 per element with the affine, 3 without.
  LayerNorm norm({5});
  CHECK(single_exit_macs(norm, {2, 3, 5}) == 4 * 30);
  LayerNorm plain_norm({5}, 1e-5, /*elementwise_affine=*/false);
  CHECK(single_exit_macs(plain_norm, {2, 3, 5}) == 3 * 30);
  // op_counter's pooling takes both output sides from the input height: on [2,4,6]
  // with 2/2 windows the real output is 2x3 (48 MACs), op_counter counts 2x2: 2*2*2*4 = 32.
  AvgPool2d pool(Pool2dOptions{});
  CHECK(single_exit_macs(pool, {2, 4, 6}) == 32);
}

TEST_CASE("flops: multi-head self-attention, counted analytically") {
  Generator gen(3);
  MultiheadSelfAttention attention(4, 2, gen);
  // [4,2,3]: L = 6 tokens, C = 4, h = 2 heads
  //   q, k, v projections  6*12*4 + 6*12 = 360
  //   q k^T                6*6*4         = 144
  //   softmax              2*6*6         =  72
  //   weights x v          6*6*4         = 144
  //   output projection    6*4*4 + 6*4   = 120
  //                                total = 840
  auto profile = profile_flops(attention, {4, 2, 3});
  REQUIRE(profile.calls.size() == 1);  // its out_proj is inside the rule, not counted again
  CHECK(profile.calls[0].macs == 840);
  CHECK(profile.params == 3 * 4 * 4 + 3 * 4 + 4 * 4 + 4);

  MultiheadSelfAttention unbiased(4, 1, gen, /*bias=*/false);
  // 6*12*4 + 6*6*4 + 1*6*6 + 6*6*4 + 6*4*4 = 288 + 144 + 36 + 144 + 96 = 708
  CHECK(single_exit_macs(unbiased, {4, 2, 3}) == 708);
}

TEST_CASE("flops: two exits under the msdnet, lazy and sequential conventions") {
  Generator gen(4);
  ToyTwoExit model(gen);
  auto profile = profile_flops(model, {1, 4, 4});
  CHECK(profile.params == 224);  // 20 + 6 + 99 + 99
  REQUIRE(profile.calls.size() == 7);  // stem, dead, body, head1's 2 layers, head2's 2
  CHECK(profile.calls[1].name == "dead");
  CHECK(profile.calls[1].needed_by == std::vector<bool>{false, false});
  CHECK(profile.calls[2].needed_by == std::vector<bool>{false, true});

  // msdnet: running total in call order up to each exit's last layer:
  //   exit 1: stem + dead + body + head1 = 288 + 32 + 64 + 99 = 483;  exit 2: 483 + 99 = 582
  CHECK(macs_of(profile, FlopsConvention::msdnet) == std::vector<std::int64_t>{483, 582});
  CHECK(params_of(profile, FlopsConvention::msdnet) == std::vector<std::int64_t>{125, 224});
  // lazy: exit 1 = stem + head1 = 387; exit 2 = stem + body + head2 = 451
  CHECK(macs_of(profile, FlopsConvention::lazy) == std::vector<std::int64_t>{387, 451});
  CHECK(params_of(profile, FlopsConvention::lazy) == std::vector<std::int64_t>{119, 125});
  // sequential: exit 1 = 387; exit 2 = stem + head1 + body + head2 = 550 (never the dead ReLU)
  CHECK(macs_of(profile, FlopsConvention::sequential) == std::vector<std::int64_t>{387, 550});
  CHECK(params_of(profile, FlopsConvention::sequential) == std::vector<std::int64_t>{119, 224});
}

TEST_CASE("flops: concatenation and residual additions are free") {
  Generator gen(5);
  DenseResidual block(gen);
  CHECK(single_exit_macs(block, {2, 3, 3}) == 36 + 72);
}

TEST_CASE("flops: a composite's own operations priced by an own-operations rule") {
  Generator gen(9);
  ChannelGate gate(4, gen);
  CHECK_THROWS_WITH_AS(profile_flops(gate, {4, 3, 3}), doctest::Contains("the op 'mul'"), Error);

  FlopsRules rules = FlopsRules::defaults();
  rules.set_own_ops("ChannelGate", [](const Module&, const Shape&, const Shape& output) {
    return output[0] * output[1] * output[2] * output[3];  // the channel multiply
  });
  // [4,3,3]: global pool 36, conv 4->2 1x1 on 1x1: 8, GELU 2, conv 2->4: 8, sigmoid 4,
  // and the gate's own multiply 4*3*3 = 36: 94
  auto profile = profile_flops(gate, {4, 3, 3}, rules);
  REQUIRE(profile.calls.size() == 6);
  CHECK(profile.calls.back().own_operations);
  CHECK(profile.calls.back().macs == 36);
  CHECK(profile.calls.back().params == 0);  // the convolutions' are theirs
  CHECK(macs_of(profile, FlopsConvention::msdnet) == std::vector<std::int64_t>{94});
  CHECK(params_of(profile, FlopsConvention::lazy) ==
        std::vector<std::int64_t>{4 * 2 + 2 + 2 * 4 + 4});

  // The own-operations rule answers for every op of the module's forward outside its
  // children, here a relu before them too (this rule leaves it at 0, its choice).
  ChannelGate rectified(4, gen, /*rectify=*/true);
  CHECK(macs_of(profile_flops(rectified, {4, 3, 3}, rules), FlopsConvention::msdnet) ==
        std::vector<std::int64_t>{94});
  CHECK_THROWS_WITH_AS(profile_flops(rectified, {4, 3, 3}), doctest::Contains("'mul', 'relu'"),
                       Error);
}

TEST_CASE("flops: a layer or an op without a rule is refused, naming it") {
  Generator gen(6);
  Sequential with_mystery({std::make_shared<Conv2d>(2, 2, Pair{1, 1}, gen),
                           std::make_shared<Mystery>()});
  CHECK_THROWS_WITH_AS(profile_flops(with_mystery, {2, 3, 3}),
                       doctest::Contains("\"1\" of type Mystery"), Error);

  FunctionalScale scale(gen);
  CHECK_THROWS_WITH_AS(profile_flops(scale, {2, 3, 3}), doctest::Contains("the op 'mul'"), Error);
  HiddenChild hidden(gen);
  CHECK_THROWS_WITH_AS(profile_flops(hidden, {2, 3, 3}), doctest::Contains("the op 'conv2d'"),
                       Error);

  // A rule added by the user prices the layer.
  FlopsRules rules = FlopsRules::defaults();
  rules.set("Mystery", [](const Module&, const Shape& input, const Shape&) {
    return input[1] * input[2] * input[3];
  });
  CHECK(profile_flops(with_mystery, {2, 3, 3}, rules).exits(FlopsConvention::msdnet)[0].macs ==
        2 * 2 * 9 + 18);

  CHECK_THROWS_WITH_AS(profile_flops(with_mystery, {2, 3}, rules),
                       doctest::Contains("one image [C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(parse_flops_convention("eager"),
                       doctest::Contains("expected one of msdnet, lazy, sequential"), Error);
}

TEST_CASE("flops: counting leaves the model's mode and BatchNorm statistics untouched") {
  Generator gen(7);
  auto net = small_net(gen);
  auto& norm = dynamic_cast<BatchNorm2d&>((*net)[1]);
  const auto mean_before = norm.running_mean().to_vector();
  CHECK(net->is_training());
  profile_flops(*net, {3, 8, 8});
  CHECK(net->is_training());
  CHECK(norm.num_batches_tracked() == 0);
  CHECK(norm.running_mean().to_vector() == mean_before);
  net->eval();
  profile_flops(*net, {3, 8, 8});
  CHECK_FALSE(net->is_training());
  // Mixed modes come back as they were: a training net with a frozen BatchNorm.
  net->train();
  norm.eval();
  profile_flops(*net, {3, 8, 8});
  CHECK(net->is_training());
  CHECK((*net)[0].is_training());
  CHECK_FALSE(norm.is_training());
}

TEST_CASE("flops: the JSON document") {
  Generator gen(8);
  ToyTwoExit model(gen);
  auto profile = profile_flops(model, {1, 4, 4});
  auto document = nlohmann::json::parse(flops_json(profile, "toy", FlopsConvention::lazy));
  CHECK(document["model"] == "toy");
  CHECK(document["convention"] == "lazy");
  CHECK(document["input"] == nlohmann::json::array({1, 4, 4}));
  CHECK(document["params"] == 224);
  REQUIRE(document["exits"].size() == 2);
  CHECK(document["exits"][0]["exit"] == 1);
  CHECK(document["exits"][1]["exit"] == 2);
  CHECK(document["exits"][1]["macs"] == 451);
  CHECK(document["exits"][1]["mflops"].get<double>() == 451 / 1e6);
  CHECK(document.size() == 5);
  CHECK(document["exits"][0].size() == 3);
}

// The lazy and sequential figures of two MSDNet presets as the PyTorch forward-hook
// counter (benchmarks/peers/flops_torch.py) counts them on the PyTorch port
// (benchmarks/peers/msdnet_torch.py): same rules, other framework, other model code.
// The msdnet convention is checked against the official code in test_msdnet_flops.cpp.
TEST_CASE("flops: MSDNet's lazy and sequential figures equal the PyTorch hook counter's") {
  struct Expected {
    const char* preset;
    std::vector<std::int64_t> lazy, sequential;
  };
  const std::vector<Expected> expected = {
      {"msdnet-cifar-budget",
       {5948170, 10510090, 19896586, 36024586, 59034122, 87451658, 111589898},
       {5948170, 12726292, 25213726, 45769768, 74976818, 108780860, 137199686}},
      {"msdnet-fmnist",
       {10849402, 15589310, 19976174, 23342678, 27475526},
       {10849402, 19132616, 26251778, 33235316, 40100462}},
  };
  for (const auto& e : expected) {
    INFO(e.preset);
    const auto& preset = msdnet_preset(e.preset);
    Generator init(1);
    auto model = make_msdnet_preset(e.preset, preset.input, preset.config.num_classes, init);
    auto profile =
        profile_flops(*model, {preset.input.channels, preset.input.height, preset.input.width});
    CHECK(macs_of(profile, FlopsConvention::lazy) == e.lazy);
    CHECK(macs_of(profile, FlopsConvention::sequential) == e.sequential);
    // An image leaving at the last exit has run everything the running total counts.
    CHECK(macs_of(profile, FlopsConvention::sequential).back() ==
          macs_of(profile, FlopsConvention::msdnet).back());
  }
}

// The whole CHASE network (chase/models/chase_net.h) on tiny configurations with
// every component on (CAM, GAL with its positional encoding, bottlenecks, kappa
// not dividing L): exits and their shapes, every scale's map in every block
// (scale dropping, transitions), the state-dict names of the header's scheme, the
// FLOPs of a first exit counted by hand, a gradcheck of the whole network in f64,
// the ablation switches, and train / eval modes.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "chase/flops/flops_counter.h"
#include "chase/models/chase_net.h"
#include "chase/models/chase_presets.h"
#include "nn/batch_norm2d.h"
#include "tests/test_util.h"

namespace chase {
namespace {

using Table = std::vector<std::vector<std::vector<std::int64_t>>>;  // [b][l][s]

// Three scales and three blocks of three layers, growth 2 (factors 1-2-2), GAL in
// the two final blocks, an exit every 2 layers: 5 exits, one of them at a block
// boundary. 8x8 inputs, stem stride 1: scales 8, 4, 2.
ChaseConfig three_block_config() {
  ChaseConfig c;
  c.in_channels = 2;
  c.num_classes = 3;
  c.stem_channels = 4;
  c.stem_stride = 1;
  c.first_channels = 4;
  c.n_blocks = 3;
  c.layers_per_block = 3;
  c.kappa = 2;
  c.growth = 2;
  c.gr_factor = {1, 2, 2};
  c.bn_factor = {1, 2, 2};
  c.bottleneck = true;
  c.cam = true;
  c.cam_reduction = 2;
  c.gal = GalPlacement::last_two_blocks;
  c.gal_heads = 3;
  c.gal_mlp_ratio = 1;
  c.classifier_channels = 4;
  return c;
}

// Eq. 4 for three_block_config (growth 2 at scale 1, 4 at scales 2 and 3):
// block 1: scale 1 gets 2 per layer from h (4, 6, 8, 10); scales 2 and 3 are empty
// at layer 0 and get 4 per layer, from f alone at layer 1 (4, 8, 12).
// Block 2 (scales 2, 3): T_1 halves 12 to 6 at both, +4 per layer (10, 14, 18).
// Block 3 (scale 3): T_2 halves 18 to 9, +4 per layer (13, 17, 21).
const Table kThreeBlockStack = {
    {{4, 0, 0}, {6, 4, 4}, {8, 8, 8}, {10, 12, 12}},
    {{0, 6, 6}, {0, 10, 10}, {0, 14, 14}, {0, 18, 18}},
    {{0, 0, 9}, {0, 0, 13}, {0, 0, 17}, {0, 0, 21}},
};
const std::vector<std::int64_t> kThreeBlockSides{8, 4, 2};

// Two scales, two blocks of three layers, kappa 2 (exits after layers 2, 4 and the
// last, 6), GAL after both blocks (6 and 9 channels, 3 heads), growth 2 at both
// scales, everything two channels wide where it can be: small enough for a
// gradcheck of the whole network on 6x6 images (scales 6 and 3).
ChaseConfig tiny_config() {
  ChaseConfig c = three_block_config();
  c.stem_channels = 2;
  c.first_channels = 2;
  c.n_blocks = 2;
  c.gr_factor = {1, 1};
  c.bn_factor = {1, 1};
  c.gal_heads = 3;
  c.classifier_channels = 2;
  return c;
}

std::map<std::string, const LayerCall*> calls_by_name(const FlopsProfile& profile) {
  std::map<std::string, const LayerCall*> calls;
  for (const auto& call : profile.calls) {
    if (!call.own_operations) calls[call.name] = &call;
  }
  return calls;
}

Shape map_shape(std::int64_t channels, std::int64_t side) { return {1, channels, side, side}; }

std::set<std::string> parameter_names(const Module& m) {
  std::set<std::string> names;
  for (const auto& [name, p] : m.named_parameters()) names.insert(name);
  return names;
}

bool any_name_contains(const Module& m, const std::string& part) {
  for (const auto& [name, p] : m.named_parameters()) {
    if (name.find(part) != std::string::npos) return true;
  }
  return false;
}

std::shared_ptr<Module> child(const Module& m, const std::string& path) {
  std::shared_ptr<Module> found;
  const Module* current = &m;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('.', start);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(start, end - start);
    found = nullptr;
    for (const auto& [child_name, c] : current->named_children()) {
      if (child_name == name) found = c;
    }
    REQUIRE_MESSAGE(found != nullptr, "no module " << path);
    current = found.get();
    start = end + 1;
  }
  return found;
}

template <class Visit>
void visit_modules(Module& m, Visit&& visit) {
  visit(m);
  for (const auto& [name, c] : m.named_children()) visit_modules(*c, visit);
}

TEST_CASE("chase net: exits, their shapes and every scale's map in every block") {
  Generator init(1);
  ChaseNet net(three_block_config(), init);
  CHECK(net.plan().stack == kThreeBlockStack);
  REQUIRE(net.exit_count() == 5);
  auto exits = net.forward_exits(Variable(test::random_tensor({2, 2, 8, 8}, 2)));
  REQUIRE(exits.size() == 5);
  for (const auto& logits : exits) CHECK(logits.shape() == Shape{2, 3});
  net.eval();  // one image: BatchNorm's batch statistics need two
  CHECK(net.forward(Variable(test::random_tensor({1, 2, 8, 8}, 3))).shape() == Shape{1, 3});
  net.train();

  // Scale dropping in the structure: block b runs S - b fusion layers per layer,
  // its transition makes S - b - 1 maps, the last block has none.
  const std::int64_t scales = 3, layers = 3;
  for (std::int64_t b = 0; b < 3; ++b) {
    INFO("block " << b + 1);
    for (std::int64_t l = 0; l < layers; ++l) {
      CHECK(std::ssize(child(net, fmt::format("blocks.{}.layers.{}", b, l))->named_children()) ==
            scales - b);
    }
    if (b < 2) {
      CHECK(std::ssize(child(net, fmt::format("blocks.{}.transition", b))->named_children()) ==
            scales - b - 1);
    }
  }
  auto names = parameter_names(net);
  CHECK(std::none_of(names.begin(), names.end(), [](const std::string& name) {
    return name.starts_with("blocks.2.transition");
  }));

  // The maps the forward pass makes, read from the FLOPs profile's calls: every f
  // (down) reads the finer scale's stack up to this layer, every h (normal) this
  // scale's stack before it, at the scale's side; together they write the layer's
  // growth at this scale.
  auto profile = profile_flops(net, {2, 8, 8});
  auto calls = calls_by_name(profile);
  auto call = [&](const std::string& name) -> const LayerCall& {
    INFO(name);
    REQUIRE(calls.count(name) == 1);
    return *calls.at(name);
  };
  const auto& side = kThreeBlockSides;
  const auto& stack = kThreeBlockStack;
  for (std::size_t b = 0; b < 3; ++b) {
    for (std::size_t l = 1; l <= 3; ++l) {
      for (std::size_t s = b; s < 3; ++s) {
        const auto prefix = fmt::format("blocks.{}.layers.{}.{}", b, l - 1, s - b);
        INFO(prefix);
        const bool down = s > b, normal = stack[b][l - 1][s] > 0;
        const std::int64_t growth = stack[b][l][s] - stack[b][l - 1][s];
        const std::int64_t out = down && normal ? growth / 2 : growth;
        CHECK(calls.count(prefix + ".down.net.0") == (down ? 1 : 0));
        CHECK(calls.count(prefix + ".normal.net.0") == (normal ? 1 : 0));
        if (down) {
          CHECK(call(prefix + ".down.net.0").input == map_shape(stack[b][l][s - 1], side[s - 1]));
          CHECK(call(prefix + ".down.net.3").output == map_shape(out, side[s]));
        }
        if (normal) {
          CHECK(call(prefix + ".normal.net.0").input == map_shape(stack[b][l - 1][s], side[s]));
          CHECK(call(prefix + ".normal.net.3").output == map_shape(out, side[s]));
        }
      }
    }
    if (b == 2) break;
    for (std::size_t s = b + 1; s < 3; ++s) {
      const auto& t = call(fmt::format("blocks.{}.transition.{}.0", b, s - b - 1));
      CHECK(t.input == map_shape(stack[b][3][s], side[s]));
      CHECK(t.output == map_shape(stack[b + 1][0][s], side[s]));
    }
  }
  CHECK(calls.count("blocks.0.gal.attn") == 0);  // GAL in the two final blocks only
  CHECK(call("blocks.1.gal.attn").input == map_shape(18, 2));
  CHECK(call("blocks.2.gal.attn").input == map_shape(21, 2));
  // Exits after global layers 2, 4, 6 (block 3's layer 0: T_2's 9 channels, after
  // block 2's GAL), 8 and 9.
  const std::vector<std::int64_t> exit_channels{8, 10, 9, 17, 21};
  for (std::size_t k = 0; k < 5; ++k) {
    CHECK(call(fmt::format("classifiers.{}.m.0", k)).input == map_shape(exit_channels[k], 2));
    CHECK(net.plan().exits[k].channels == exit_channels[k]);
  }
  // Block 2's GAL runs before the transition that exit 3 reads.
  CHECK(profile.calls.size() > 0);
  auto position = [&](const std::string& name) {
    for (std::size_t i = 0; i < profile.calls.size(); ++i) {
      if (profile.calls[i].name == name) return i;
    }
    FAIL("no call " << name);
    return profile.calls.size();
  };
  CHECK(position("blocks.1.gal.attn") < position("blocks.1.transition.0.0"));
  CHECK(position("blocks.1.transition.0.0") < position("classifiers.2.m.0"));
  CHECK(position("classifiers.2.linear") < position("blocks.2.layers.0.0.normal.net.0"));
}

TEST_CASE("chase net: state-dict names follow the header's scheme") {
  Generator init(1);
  ChaseNet net(three_block_config(), init);
  auto state = net.state_dict();
  auto shape = [&](const std::string& name) {
    INFO(name);
    REQUIRE(state.count(name) == 1);
    return state.at(name).shape();
  };
  CHECK(shape("stem.conv.0.weight") == Shape{4, 2, 3, 3});
  CHECK(shape("stem.dw.0.weight") == Shape{4, 1, 3, 3});
  CHECK(shape("stem.pw.0.weight") == Shape{4, 4, 1, 1});
  CHECK(shape("stem.out.0.weight") == Shape{4, 4, 3, 3});
  CHECK(shape("stem.out.1.running_var") == Shape{4});
  // Block 1, layer 1: scale 1 by h from the stem's 4 channels (CAM 4 -> 2 -> 4),
  // scale 2 by f alone from scale 1's 6 (CAM 6 -> 3 -> 6; bottleneck min(6, 1 * 4)).
  CHECK(shape("blocks.0.layers.0.0.normal.cam.reduce.weight") == Shape{2, 4, 1, 1});
  CHECK(shape("blocks.0.layers.0.0.normal.cam.expand.bias") == Shape{4});
  CHECK(shape("blocks.0.layers.0.1.down.cam.expand.weight") == Shape{6, 3, 1, 1});
  CHECK(shape("blocks.0.layers.0.1.down.net.0.weight") == Shape{4, 6, 1, 1});
  CHECK(shape("blocks.0.layers.0.1.down.net.3.weight") == Shape{4, 4, 3, 3});
  CHECK(state.count("blocks.0.layers.0.1.normal.net.0.weight") == 0);  // scale 2 empty before
  // Block 1, layer 2, scale 2: f from scale 1's 8 (bottleneck min(8, 1 * 2) = 2) and
  // h from its own 4 (min(4, 2 * 2) = 4), 2 channels each.
  CHECK(shape("blocks.0.layers.1.1.down.net.0.weight") == Shape{2, 8, 1, 1});
  CHECK(shape("blocks.0.layers.1.1.down.net.3.weight") == Shape{2, 2, 3, 3});
  CHECK(shape("blocks.0.layers.1.1.normal.net.0.weight") == Shape{4, 4, 1, 1});
  CHECK(shape("blocks.0.layers.1.1.normal.net.4.running_mean") == Shape{2});
  // Block 2 (index 1) keeps scales 2 and 3: its kept scale 0 is scale 2.
  CHECK(shape("blocks.1.layers.0.0.normal.cam.reduce.weight") == Shape{3, 6, 1, 1});
  CHECK(state.count("blocks.1.layers.0.0.down.cam.reduce.weight") == 0);
  CHECK(state.count("blocks.1.layers.0.2.normal.net.0.weight") == 0);
  CHECK(shape("blocks.2.layers.2.0.normal.cam.reduce.weight") == Shape{8, 17, 1, 1});
  // Transitions T_1 into scales 2 and 3, T_2 into scale 3.
  CHECK(shape("blocks.0.transition.0.0.weight") == Shape{6, 12, 1, 1});
  CHECK(shape("blocks.0.transition.1.1.running_mean") == Shape{6});
  CHECK(shape("blocks.1.transition.0.0.weight") == Shape{9, 18, 1, 1});
  CHECK(state.count("blocks.1.transition.1.0.weight") == 0);
  // GALs after blocks 2 and 3.
  CHECK(state.count("blocks.0.gal.cpe.weight") == 0);
  CHECK(shape("blocks.1.gal.cpe.weight") == Shape{18, 1, 3, 3});
  CHECK(shape("blocks.1.gal.attn.in_proj_weight") == Shape{54, 18});
  CHECK(shape("blocks.2.gal.attn.out_proj.weight") == Shape{21, 21});
  CHECK(shape("blocks.2.gal.norm2.bias") == Shape{21});
  CHECK(shape("blocks.2.gal.mlp.2.weight") == Shape{21, 21});
  // Classifiers: conv 3x3 (stride 2), conv 3x3, linear.
  CHECK(shape("classifiers.0.m.0.weight") == Shape{4, 8, 3, 3});
  CHECK(shape("classifiers.2.m.0.weight") == Shape{4, 9, 3, 3});
  CHECK(shape("classifiers.4.m.3.weight") == Shape{4, 4, 3, 3});
  CHECK(shape("classifiers.4.m.4.num_batches_tracked").empty());
  CHECK(shape("classifiers.4.linear.weight") == Shape{3, 4});
  CHECK(state.count("classifiers.5.linear.weight") == 0);
}

// exit 1 of a two-scale network with kappa 1 reads block 1's layer 1: the stem,
// that layer and the first classifier, counted in the msdnet convention (convs
// Cin Cout k k Hout Wout / groups, GELU / sigmoid / adaptive pool / CAM's multiply
// one per input element, Linear in * out + out, BatchNorm, add, concat free).
TEST_CASE("chase net: the first exit's FLOPs by hand") {
  ChaseConfig c = three_block_config();
  c.n_blocks = 2;
  c.layers_per_block = 2;
  c.kappa = 1;
  c.gr_factor = {1, 2};
  c.bn_factor = {1, 2};
  c.gal_heads = 2;  // GALs of 8 and 12 channels, after the first exit
  Generator init(1);
  ChaseNet net(c, init);
  // Stem on 8x8 (stride 1): conv 2->4 3x3 4608 + GELU 256; dw 4 groups 3x3 2304 +
  // GELU 256; pw 4->4 1x1 1024 (no GELU); out 4->4 3x3 9216 + GELU 256.
  const std::int64_t stem = 4608 + 256 + 2304 + 256 + 1024 + 9216 + 256;
  // Layer 1, scale 1 (8x8): h from 4 channels to 2. CAM(4, hidden 2): pool 256,
  // reduce 8, GELU 2, expand 8, sigmoid 4, multiply 256; bottleneck 1x1 4->2 (min(4,
  // 1 * 2)) 512 + GELU 128; 3x3 2->2 2304 + GELU 128.
  const std::int64_t scale1 = (256 + 8 + 2 + 8 + 4 + 256) + (512 + 128) + (2304 + 128);
  // Scale 2 (4x4): f alone from scale 1's 6 channels to 4. CAM(6, hidden 3): pool
  // 384, reduce 18, GELU 3, expand 18, sigmoid 6, multiply 384; bottleneck 1x1 6->4
  // at 8x8 1536 + GELU 256; 3x3 4->4 stride 2 to 4x4 2304 + GELU 64.
  const std::int64_t scale2 = (384 + 18 + 3 + 18 + 6 + 384) + (1536 + 256) + (2304 + 64);
  // Classifier on 4 channels at 4x4: 3x3 stride 2 4->4 to 2x2 576 + GELU 16; 3x3
  // 4->4 576 + GELU 16; pool 16; linear 4 * 3 + 3.
  const std::int64_t classifier = (576 + 16) + (576 + 16) + 16 + 15;
  CHECK(stem == 17920);
  CHECK(stem + scale1 + scale2 + classifier == 27714);
  auto profile = profile_flops(net, {2, 8, 8});
  auto msdnet = profile.exits(FlopsConvention::msdnet);
  REQUIRE(msdnet.size() == 4);
  CHECK(msdnet[0].macs == stem + scale1 + scale2 + classifier);
  CHECK(profile.exits(FlopsConvention::lazy)[0].macs == stem + scale1 + scale2 + classifier);
  // The CAM's multiply is its own recorded operation, once per fusion conv.
  std::int64_t own = 0;
  for (const auto& call : profile.calls) own += call.own_operations ? 1 : 0;
  CHECK(own == 2 + 3 + 1 + 1);  // block 1: two convs with CAM, then three; block 2: 1 + 1
  for (std::size_t k = 1; k < msdnet.size(); ++k) CHECK(msdnet[k].macs > msdnet[k - 1].macs);
}

TEST_CASE("chase net: every preset's FLOPs grow exit by exit") {
  for (const auto& preset : chase_presets()) {
    INFO(preset.name);
    Generator init(1);
    ChaseNet net(preset.config, init);
    // chase-imagenet on 64x64 (scales 16, 8, 4, 2): its 224x224 pass (2.7 GMACs) is
    // too slow for this suite, and the order of the exits' costs is the same.
    const std::int64_t side = std::min<std::int64_t>(preset.input.height, 64);
    auto profile = profile_flops(net, {preset.input.channels, side, side});
    CHECK(profile.params == net.parameter_count());
    for (auto convention :
         {FlopsConvention::msdnet, FlopsConvention::lazy, FlopsConvention::sequential}) {
      auto exits = profile.exits(convention);
      REQUIRE(std::ssize(exits) == net.exit_count());
      for (std::size_t k = 1; k < exits.size(); ++k) {
        INFO(name(convention) << " exit " << k + 1);
        CHECK(exits[k].macs > exits[k - 1].macs);
      }
    }
  }
}

// The whole network differentiated in f64 against central differences, with
// respect to the input and every parameter (2,396 elements: a pair of forward
// passes each), training mode: BatchNorm with batch statistics.
TEST_CASE("chase net: gradcheck of the whole tiny network in f64 (input and parameters)") {
  Generator init(4);
  ChaseNet net(tiny_config(), init);
  net.to(DType::f64);
  REQUIRE(net.exit_count() == 3);
  CHECK(net.plan().gal_after == std::vector<bool>{true, true});
  CHECK(net.plan().exits[1].block == 1);  // exit 2 reads after GAL 1 and the transition
  // Every parameter drawn again (BatchNorm's and the GAL's zero biases and unit
  // scales would hide terms).
  std::uint64_t seed = 100;
  for (auto& [name, p] : net.named_parameters()) {
    p.set_value(test::random_tensor(p.shape(), seed++, DType::f64, -1.0, 1.0));
  }
  Variable x(test::random_tensor({2, 2, 6, 6}, 5, DType::f64), /*requires_grad=*/true);
  std::vector<Variable> inputs{x};
  for (const auto& p : net.parameters()) inputs.push_back(p);
  CHECK(net.parameter_count() == 2396);
  std::vector<Tensor> weights;
  for (std::uint64_t k = 0; k < 3; ++k) {
    weights.push_back(test::random_tensor({2, 3}, 6 + k, DType::f64));
  }
  auto loss = [&](const std::vector<Variable>& v) {
    Variable total;
    auto exits = net.forward_exits(v[0]);
    for (std::size_t k = 0; k < exits.size(); ++k) {
      auto term = sum(mul(exits[k], Variable(weights[k])));
      total = total.defined() ? add(total, term) : term;
    }
    return total;
  };
  auto result = gradcheck(loss, inputs);
  CHECK_MESSAGE(result.passed, result.str());
  // Every parameter reaches the loss.
  auto value = loss(inputs);
  value.backward();
  for (const auto& [name, p] : net.named_parameters()) {
    INFO(name);
    REQUIRE(p.has_grad());
    auto g = p.grad().to_vector();
    CHECK(std::any_of(g.begin(), g.end(), [](double v) { return v != 0.0; }));
  }
}

TEST_CASE("chase net: the ablation switches change the structure") {
  Generator init(1);
  const auto base = three_block_config();
  ChaseNet full(base, init);
  CHECK(any_name_contains(full, ".cam."));
  CHECK(any_name_contains(full, ".gal."));

  auto no_cam = base;
  no_cam.cam = false;
  ChaseNet without_cam(no_cam, init);
  CHECK_FALSE(any_name_contains(without_cam, "cam"));
  CHECK(without_cam.parameter_count() < full.parameter_count());
  CHECK(without_cam.exit_count() == full.exit_count());
  CHECK(without_cam.plan().stack == full.plan().stack);  // widths do not depend on CAM

  auto no_gal = base;
  no_gal.gal = GalPlacement::none;
  ChaseNet without_gal(no_gal, init);
  CHECK_FALSE(any_name_contains(without_gal, "gal"));
  CHECK(without_gal.parameter_count() < full.parameter_count());

  auto last = base;
  last.gal = GalPlacement::last_block;
  last.gal_heads = 1;  // only block 3's 21 channels need dividing
  ChaseNet last_gal(last, init);
  CHECK_FALSE(any_name_contains(last_gal, "blocks.1.gal"));
  CHECK(any_name_contains(last_gal, "blocks.2.gal.attn"));

  auto no_mlp = base;
  no_mlp.gal_mlp_ratio = 0;
  ChaseNet without_mlp(no_mlp, init);
  CHECK_FALSE(any_name_contains(without_mlp, "gal.mlp"));
  CHECK(any_name_contains(without_mlp, "gal.attn"));

  auto plain = base;
  plain.bottleneck = false;
  ChaseNet without_bottleneck(plain, init);
  // No bottleneck: the FusionConv's net is the 3x3 alone (net.0 is the 3x3).
  CHECK(without_bottleneck.state_dict().at("blocks.0.layers.1.1.down.net.0.weight").shape() ==
        Shape{2, 8, 3, 3});
  CHECK_FALSE(any_name_contains(without_bottleneck, "net.3"));

  // Each ablation still computes every exit.
  auto x = Variable(test::random_tensor({1, 2, 8, 8}, 9));
  for (ChaseNet* net : {&without_cam, &without_gal, &last_gal, &without_mlp, &without_bottleneck}) {
    net->eval();
    auto exits = net->forward_exits(x);
    CHECK(exits.size() == 5);
    for (const auto& logits : exits) CHECK(logits.shape() == Shape{1, 3});
  }
}

TEST_CASE("chase net: eval is deterministic; train and eval differ through BatchNorm only") {
  Generator init(2);
  ChaseNet net(three_block_config(), init);
  net.to(DType::f64);
  auto x = Variable(test::random_tensor({3, 2, 8, 8}, 10, DType::f64));
  auto max_difference = [](const std::vector<Variable>& a, const std::vector<Variable>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      auto va = a[k].value().to_vector(), vb = b[k].value().to_vector();
      for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
    }
    return worst;
  };
  net.train();
  auto train_out = net.forward_exits(x);  // also moves BatchNorm's running statistics
  CHECK(max_difference(net.forward_exits(x), train_out) == 0.0);  // no dropout, no noise
  net.eval();
  auto eval_out = net.forward_exits(x);
  CHECK(max_difference(net.forward_exits(x), eval_out) == 0.0);
  CHECK(max_difference(train_out, eval_out) > 1e-3);
  // Training mode everywhere except the BatchNorms gives the evaluation output.
  net.train();
  std::int64_t norms = 0;
  visit_modules(net, [&](Module& m) {
    if (dynamic_cast<BatchNorm2d*>(&m) != nullptr) {
      m.eval();
      ++norms;
    }
  });
  CHECK(norms > 50);
  CHECK(max_difference(net.forward_exits(x), eval_out) == 0.0);
}

}  // namespace
}  // namespace chase

// CHASE's parts (chase/models/chase_layers.h) against hand computations with the
// plain autograd ops, in f64: CAM (squeeze-excitation), the GAL (conditional
// positional encoding, pre-norm attention and MLP) and its position dependence,
// the fusion layer's empty inputs, the stem's strides and residual; gradchecks of
// CAM and GAL through the public gradcheck.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "chase/models/chase_layers.h"
#include "tests/test_util.h"

namespace chase {
namespace {

using chase_net::CAM;
using chase_net::FusionLayer;
using chase_net::GAL;
using chase_net::Stem;

constexpr double kTol = 1e-12;  // f64: the same sums in another order

std::map<std::string, Variable> params_of(const Module& m) {
  std::map<std::string, Variable> params;
  for (const auto& [name, p] : m.named_parameters()) params[name] = p;
  return params;
}

// Every parameter drawn again in [-1, 1] (zero biases and unit norms would hide
// a missing term), in f64.
void randomize(Module& m, std::uint64_t seed) {
  m.to(DType::f64);
  for (auto& [name, p] : m.named_parameters()) {
    p.set_value(test::random_tensor(p.shape(), seed++, DType::f64));
  }
}

std::shared_ptr<Module> child(const Module& m, const std::string& name) {
  for (const auto& [child_name, c] : m.named_children()) {
    if (child_name == name) return c;
  }
  FAIL("no child named " << name);
  return nullptr;
}

Variable input(const Shape& shape, std::uint64_t seed) {
  return Variable(test::random_tensor(shape, seed, DType::f64));
}

double max_abs_difference(const Variable& a, const Variable& b) {
  auto va = a.value().to_vector(), vb = b.value().to_vector();
  REQUIRE(va.size() == vb.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

// The parameters of `m`, and `extra` first, as gradcheck inputs that require grad.
std::vector<Variable> grad_inputs(const Module& m, std::vector<Variable> extra) {
  for (auto& v : extra) v.set_requires_grad(true);
  for (const auto& p : m.parameters()) extra.push_back(p);
  return extra;
}

// x * sigmoid(W2 gelu(W1 mean_hw(x) + b1) + b2), per image.
Variable hand_cam(const Variable& x, std::map<std::string, Variable> p) {
  const auto n = x.size(0), c = x.size(1);
  const auto hidden = p["reduce.weight"].size(0);
  Variable squeezed = mean(x, {2, 3});  // [N, C]
  Variable w1 = reshape(p["reduce.weight"], {hidden, c});
  Variable w2 = reshape(p["expand.weight"], {c, hidden});
  Variable h = gelu(add(matmul(squeezed, transpose(w1, 0, 1)), p["reduce.bias"]));
  Variable gate = sigmoid(add(matmul(h, transpose(w2, 0, 1)), p["expand.bias"]));  // [N, C]
  return mul(x, reshape(gate, {n, c, 1, 1}));
}

TEST_CASE("chase layers: CAM is x * sigmoid(W2 gelu(W1 mean(x) + b1) + b2)") {
  Generator gen(1);
  CAM cam(6, 2, gen);
  randomize(cam, 10);
  auto p = params_of(cam);
  REQUIRE(p.size() == 4);
  CHECK(p["reduce.weight"].shape() == Shape{3, 6, 1, 1});  // C / r
  CHECK(p["expand.weight"].shape() == Shape{6, 3, 1, 1});
  auto x = input({2, 6, 3, 4}, 2);
  auto out = cam(x);
  test::check_close(out.value(), hand_cam(x, p).value(), kTol, kTol, "CAM");
  // The gate is per image and per channel: a second image does not change the first's.
  auto first = cam(narrow(x, 0, 0, 1));
  test::check_close(first.value(), narrow(out, 0, 0, 1).value(), kTol, kTol, "CAM, one image");

  // C / r below 1 keeps one hidden channel.
  CAM narrow_cam(3, 4, gen);
  randomize(narrow_cam, 20);
  auto q = params_of(narrow_cam);
  CHECK(q["reduce.weight"].shape() == Shape{1, 3, 1, 1});
  auto y = input({1, 3, 2, 2}, 3);
  test::check_close(narrow_cam(y).value(), hand_cam(y, q).value(), kTol, kTol, "CAM, C / r < 1");
}

TEST_CASE("chase layers: CAM gradcheck (input and parameters, f64)") {
  Generator gen(2);
  CAM cam(4, 2, gen);
  randomize(cam, 30);
  auto inputs = grad_inputs(cam, {input({2, 4, 3, 3}, 4)});
  auto result = gradcheck([&](const std::vector<Variable>& v) { return cam(v[0]); }, inputs);
  CHECK_MESSAGE(result.passed, result.str());
  CHECK(result.inputs.size() == 5);
}

// The GAL written out: x + cpe(x), then over the H * W tokens a pre-norm
// multi-head attention (per head softmax(q k^T / sqrt(d)) v) and a pre-norm MLP.
Variable hand_gal(const Variable& x, std::map<std::string, Variable> p, std::int64_t heads) {
  const auto n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), d = c / heads;
  Conv2dOptions depthwise;
  depthwise.padding = {1, 1};
  depthwise.groups = c;
  Variable y = add(x, conv2d(x, p["cpe.weight"], p["cpe.bias"], depthwise));
  Variable tokens = reshape(permute(y, {0, 2, 3, 1}), {n, h * w, c});
  auto linear = [&](const Variable& t, const std::string& name) {
    return add(matmul(t, transpose(p[name + "weight"], 0, 1)), p[name + "bias"]);
  };
  Variable normed = layer_norm(tokens, 1, p["norm1.weight"], p["norm1.bias"], 1e-5);
  Variable qkv = add(matmul(normed, transpose(p["attn.in_proj_weight"], 0, 1)),
                     p["attn.in_proj_bias"]);
  std::vector<Variable> head_outputs;
  for (std::int64_t i = 0; i < heads; ++i) {
    Variable q = narrow(qkv, 2, i * d, d);
    Variable k = narrow(qkv, 2, c + i * d, d);
    Variable v = narrow(qkv, 2, 2 * c + i * d, d);
    Variable scores = mul(matmul(q, transpose(k, 1, 2)), 1.0 / std::sqrt(static_cast<double>(d)));
    head_outputs.push_back(matmul(softmax(scores, 2), v));
  }
  tokens = add(tokens, linear(concat(head_outputs, 2), "attn.out_proj."));
  Variable hidden = gelu(linear(layer_norm(tokens, 1, p["norm2.weight"], p["norm2.bias"], 1e-5),
                                "mlp.0."));
  tokens = add(tokens, linear(hidden, "mlp.2."));
  return permute(reshape(tokens, {n, h, w, c}), {0, 3, 1, 2});
}

// The map's H * W positions reordered by `order` (a permutation of 0..HW-1).
Variable permute_positions(const Variable& map, const std::vector<double>& order) {
  const auto n = map.size(0), c = map.size(1), h = map.size(2), w = map.size(3);
  auto index = Tensor::from_vector(order, {h * w}, DType::i64);
  return reshape(index_select(reshape(map, {n, c, h * w}), 2, index), {n, c, h, w});
}

TEST_CASE("chase layers: GAL equals the hand-written CPE, attention and MLP") {
  Generator gen(3);
  GAL gal(4, 2, 2, gen);
  randomize(gal, 40);
  auto p = params_of(gal);
  CHECK(p["cpe.weight"].shape() == Shape{4, 1, 3, 3});  // depthwise
  CHECK(p["cpe.bias"].shape() == Shape{4});
  CHECK(p["attn.in_proj_weight"].shape() == Shape{12, 4});
  CHECK(p["mlp.0.weight"].shape() == Shape{8, 4});  // mlp_ratio 2
  CHECK(p["mlp.2.weight"].shape() == Shape{4, 8});
  CHECK(p.size() == 14);
  auto x = input({2, 4, 3, 3}, 5);
  auto out = gal(x);
  CHECK(out.shape() == Shape{2, 4, 3, 3});
  test::check_close(out.value(), hand_gal(x, p, 2).value(), kTol, kTol, "GAL");
  // Non-square maps: tokens in row-major order either way.
  auto wide = input({1, 4, 2, 3}, 6);
  test::check_close(gal(wide).value(), hand_gal(wide, p, 2).value(), kTol, kTol, "GAL 2x3");

  // mlp_ratio 0: no MLP and no second norm.
  GAL bare(4, 1, 0, gen);
  auto names = params_of(bare);
  CHECK(names.count("mlp.0.weight") == 0);
  CHECK(names.count("norm2.weight") == 0);
  CHECK(names.count("attn.in_proj_weight") == 1);
  CHECK(names.size() == 8);
}

TEST_CASE("chase layers: the GAL's positional encoding makes it see where tokens are") {
  Generator gen(4);
  GAL gal(4, 2, 1, gen);
  randomize(gal, 50);
  auto x = input({1, 4, 3, 3}, 7);
  const std::vector<double> order{4, 7, 1, 8, 0, 3, 6, 2, 5};
  // With the CPE, moving the tokens changes what each one becomes.
  auto moved_then_gal = gal(permute_positions(x, order));
  auto gal_then_moved = permute_positions(gal(x), order);
  CHECK(max_abs_difference(moved_then_gal, gal_then_moved) > 1e-2);
  // Without it (weights zero; its bias is the same at every position) the block is
  // self-attention and token-wise layers: permutation-equivariant.
  auto cpe = params_of(gal).at("cpe.weight");
  cpe.set_value(zeros(cpe.shape(), DType::f64));
  moved_then_gal = gal(permute_positions(x, order));
  gal_then_moved = permute_positions(gal(x), order);
  test::check_close(moved_then_gal.value(), gal_then_moved.value(), kTol, kTol,
                    "GAL without CPE");
}

TEST_CASE("chase layers: GAL gradcheck (input and parameters, f64)") {
  Generator gen(5);
  GAL gal(4, 2, 1, gen);
  randomize(gal, 60);
  auto inputs = grad_inputs(gal, {input({1, 4, 2, 3}, 8)});
  auto result = gradcheck([&](const std::vector<Variable>& v) { return gal(v[0]); }, inputs);
  CHECK_MESSAGE(result.passed, result.str());
}

TEST_CASE("chase layers: a fusion layer with an empty finer or same-scale input") {
  Generator gen(6);
  auto finer = input({2, 4, 6, 6}, 9);
  auto same = input({2, 5, 3, 3}, 10);
  SUBCASE("only the same scale: h alone writes the whole growth") {
    FusionLayer layer(0, 5, 6, true, 2, true, 1, 2, gen);
    layer.to(DType::f64);
    auto names = params_of(layer);
    CHECK(names.count("normal.cam.reduce.weight") == 1);
    CHECK(names.count("down.net.0.weight") == 0);
    // Bottleneck min(5, 2 * 6) = 5, then 3x3 to 6 at stride 1.
    CHECK(names.at("normal.net.0.weight").shape() == Shape{5, 5, 1, 1});
    CHECK(names.at("normal.net.3.weight").shape() == Shape{6, 5, 3, 3});
    CHECK(layer.forward_pair(Variable(), same).shape() == Shape{2, 6, 3, 3});
    CHECK_THROWS_WITH_AS(layer.forward_pair(finer, same), doctest::Contains("(none)"), Error);
  }
  SUBCASE("only the finer scale: f alone, stride 2") {
    FusionLayer layer(4, 0, 6, true, 2, true, 1, 2, gen);
    layer.to(DType::f64);
    auto names = params_of(layer);
    CHECK(names.count("normal.net.0.weight") == 0);
    CHECK(names.at("down.net.0.weight").shape() == Shape{4, 4, 1, 1});  // min(4, 1 * 6)
    CHECK(layer.forward_pair(finer, Variable()).shape() == Shape{2, 6, 3, 3});
    CHECK(layer.forward_pair(input({1, 4, 5, 5}, 11), Variable()).shape() ==
          Shape{1, 6, 3, 3});  // odd sides round up
    CHECK_THROWS_AS(layer.forward_pair(Variable(), same), Error);
  }
  SUBCASE("both: growth / 2 each, f's channels first") {
    FusionLayer layer(4, 5, 6, true, 2, true, 1, 2, gen);
    layer.to(DType::f64);
    layer.eval();
    auto names = params_of(layer);
    CHECK(names.at("down.net.0.weight").shape() == Shape{3, 4, 1, 1});  // min(4, 1 * 3)
    CHECK(names.at("down.net.3.weight").shape() == Shape{3, 3, 3, 3});
    CHECK(names.at("normal.net.0.weight").shape() == Shape{5, 5, 1, 1});  // min(5, 2 * 3)
    CHECK(names.at("normal.net.3.weight").shape() == Shape{3, 5, 3, 3});
    auto out = layer.forward_pair(finer, same);
    REQUIRE(out.shape() == Shape{2, 6, 3, 3});
    auto down = (*child(layer, "down"))(finer);
    auto normal = (*child(layer, "normal"))(same);
    CHECK(max_abs_difference(narrow(out, 1, 0, 3), down) == 0.0);
    CHECK(max_abs_difference(narrow(out, 1, 3, 3), normal) == 0.0);
  }
  SUBCASE("without CAM and bottleneck") {
    FusionLayer layer(4, 5, 6, false, 2, false, 1, 2, gen);
    auto names = params_of(layer);
    CHECK(names.count("down.cam.reduce.weight") == 0);
    CHECK(names.at("down.net.0.weight").shape() == Shape{3, 4, 3, 3});
    CHECK(names.at("normal.net.0.weight").shape() == Shape{3, 5, 3, 3});
    CHECK(names.size() == 2 * 3);  // conv weight, BN weight and bias, each side
  }
  SUBCASE("both empty, or called as a one-input module: refused") {
    CHECK_THROWS_WITH_AS(FusionLayer(0, 0, 6, true, 2, true, 1, 2, gen),
                         doctest::Contains("both inputs are empty"), Error);
    FusionLayer layer(4, 5, 6, true, 2, true, 1, 2, gen);
    layer.to(DType::f64);
    CHECK_THROWS_WITH_AS(layer(same), doctest::Contains("call forward_pair"), Error);
  }
}

TEST_CASE("chase layers: the stem's strides and its depthwise residual") {
  auto x = input({2, 3, 9, 9}, 12);
  for (std::int64_t stride : {1, 2, 4}) {
    INFO("stem_stride " << stride);
    Generator gen(7);
    Stem stem(3, 4, 6, stride, gen);
    stem.to(DType::f64);
    stem.eval();
    const std::int64_t side = stride == 1 ? 9 : stride == 2 ? 5 : 3;
    CHECK(stem(x).shape() == Shape{2, 6, side, side});
    auto p = params_of(stem);
    CHECK(p.at("conv.0.weight").shape() == Shape{4, 3, 3, 3});
    CHECK(p.at("dw.0.weight").shape() == Shape{4, 1, 3, 3});  // depthwise
    CHECK(p.at("pw.0.weight").shape() == Shape{4, 4, 1, 1});
    CHECK(p.at("out.0.weight").shape() == Shape{6, 4, 3, 3});
    CHECK(p.count("conv.0.bias") == 0);
    CHECK(child(stem, "pw")->named_children().size() == 2);  // conv, BN: no GELU before the add
    CHECK(child(stem, "dw")->named_children().size() == 3);

    auto conv_then_out = (*child(stem, "out"))((*child(stem, "conv"))(x));
    CHECK(max_abs_difference(stem(x), conv_then_out) > 1e-3);  // the residual adds something
    // With the depthwise and pointwise weights zero the residual branch is zero
    // (BN's bias is 0, running mean 0) and the stem is conv then out.
    p.at("dw.0.weight").set_value(zeros({4, 1, 3, 3}, DType::f64));
    p.at("pw.0.weight").set_value(zeros({4, 4, 1, 1}, DType::f64));
    CHECK(max_abs_difference(stem(x), conv_then_out) == 0.0);
  }
}

}  // namespace
}  // namespace chase

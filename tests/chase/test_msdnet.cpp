// MSDNet against the official code: parameter counts and state-dict names and
// shapes of every preset equal those the official PyTorch code builds
// (msdnet_official.h, from running it), the layer plan, forward shapes, bad input,
// and every exit's logits against the PyTorch port on a tiny f64 network
// (tests/golden/msdnet/tiny.safetensors, made by tests/golden/make_msdnet_golden.py).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "chase/models/msdnet_presets.h"
#include "chase/models/registry.h"
#include "nn/optim/sgd.h"
#include "tests/chase/msdnet_official.h"
#include "tests/test_util.h"

namespace chase {
namespace {

using test::msdnet_official_figures;
using test::MsdnetOfficialFigures;

MsdnetConfig official_config(const MsdnetOfficialFigures& f) {
  std::string preset = f.preset;
  if (preset == "prune-min") {
    auto config = msdnet_preset_config("msdnet-cifar-anytime", {3, 32, 32}, f.classes);
    config.prune = MsdnetPrune::min;
    return config;
  }
  return msdnet_preset_config(preset, {f.in_channels, f.size, f.size}, f.classes);
}

// CRC-32 (IEEE 802.3, reflected, as zlib.crc32): the test needs no zlib.
std::uint32_t crc32_of(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// The sorted "name:d0,d1" lines of the state dict, as msdnet_official.h's crc32 hashes them.
std::string state_lines(const Module& model) {
  std::vector<std::string> lines;
  for (const auto& [name, tensor] : model.state_dict()) {
    std::string line = name + ":";
    for (std::size_t d = 0; d < tensor.shape().size(); ++d) {
      if (d > 0) line += ',';
      line += std::to_string(tensor.shape()[d]);
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) text += '\n';
    text += lines[i];
  }
  return text;
}

TEST_CASE("msdnet: every preset has the official parameter count, names and shapes") {
  for (const auto& f : msdnet_official_figures()) {
    INFO(f.preset << " on " << f.dataset);
    Generator init(1);
    Msdnet model(official_config(f), init);
    CHECK(model.parameter_count() == f.params);
    CHECK(model.exit_count() == std::ssize(f.exit_macs));
    auto state = model.state_dict();
    CHECK(std::ssize(state) == f.state_entries);
    auto lines = state_lines(model);
    CHECK_MESSAGE(crc32_of(lines) == f.state_crc32, "state-dict names or shapes differ from the official ("
                                            << lines.substr(0, 300) << " ...)");
  }
}

TEST_CASE("msdnet: the presets are in the model registry") {
  for (const auto& name : msdnet_preset_names()) {
    CHECK(std::find(model_names().begin(), model_names().end(), name) != model_names().end());
  }
  Generator init(1);
  auto model = make_model("msdnet-fmnist", {1, 28, 28}, 10, init, nullptr);
  CHECK(model->exit_count() == 5);
  CHECK(model->parameter_count() == 1892702);  // msdnet_official.h
  CHECK(dynamic_cast<Msdnet*>(model.get()) != nullptr);
  CHECK_THROWS_WITH(make_model("msdnet", {3, 32, 32}, 10, init, nullptr),
                    doctest::Contains("msdnet-cifar-anytime"));
}

TEST_CASE("msdnet: official state-dict names, spot checks") {
  Generator init(1);
  auto model = make_msdnet_preset("msdnet-cifar-anytime", {3, 32, 32}, 10, init);
  auto state = model->state_dict();
  // First layer, a same-scale conv, a strided conv after a dropped scale, a
  // transition, a classifier (shapes as printed by the official model).
  CHECK(state.at("blocks.0.0.layers.0.net.0.weight").shape() == Shape{16, 3, 3, 3});
  CHECK(state.at("blocks.0.0.layers.2.net.0.weight").shape() == Shape{64, 32, 3, 3});
  CHECK(state.at("blocks.0.1.layers.0.conv_normal.net.0.weight").shape() == Shape{6, 16, 1, 1});
  CHECK(state.at("blocks.0.1.layers.1.conv_down.net.3.weight").shape() == Shape{6, 6, 3, 3});
  CHECK(state.at("blocks.0.1.layers.2.conv_normal.net.4.running_var").shape() == Shape{12});
  CHECK(state.at("classifier.0.m.0.net.0.weight").shape() == Shape{128, 160, 3, 3});
  CHECK(state.at("classifier.9.linear.weight").shape() == Shape{10, 128});
  CHECK(state.count("blocks.0.0.layers.0.net.0.bias") == 0);  // convolutions have no bias
  auto imagenet = make_msdnet_preset("msdnet-imagenet", {3, 224, 224}, 1000, init);
  auto istate = imagenet->state_dict();
  CHECK(istate.at("blocks.0.0.layers.0.0.weight").shape() == Shape{32, 3, 7, 7});
  CHECK(istate.at("blocks.0.0.layers.0.0.bias").shape() == Shape{32});  // the 7x7 has one
}

TEST_CASE("msdnet: the layer plan of msdnet-cifar-anytime is the official one") {
  auto plan = plan_msdnet(msdnet_preset("msdnet-cifar-anytime").config);
  CHECK(plan.steps == std::vector<std::int64_t>{4, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  CHECK(plan.total_layers() == 22);
  // interval = ceil(22 / 3) = 8: scale 1 goes at layer 9, scale 2 at layer 17,
  // each followed by a transition halving the width (as the official log prints).
  std::vector<std::int64_t> in, out, width, transition;
  for (const auto& block : plan.blocks) {
    for (const auto& layer : block) {
      in.push_back(layer.in_scales);
      out.push_back(layer.out_scales);
      width.push_back(layer.width);
      transition.push_back(layer.transition_width);
    }
  }
  CHECK(in == std::vector<std::int64_t>{3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1,
                                        1, 1, 1, 1});
  CHECK(out == std::vector<std::int64_t>{3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1,
                                         1, 1, 1, 1});
  CHECK(width[7] == 16 + 7 * 6);
  CHECK(transition[8] == (16 + 9 * 6) / 2);  // 70 -> 35
  CHECK(width[9] == 35);
  CHECK(transition[16] == (35 + 8 * 6) / 2);  // 83 -> 41
  CHECK(plan.block_out_width.back() == 41 + 5 * 6);
  auto budget = plan_msdnet(msdnet_preset("msdnet-cifar-budget").config);
  CHECK(budget.steps == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("msdnet: forward gives one [N, classes] logit per exit") {
  Generator init(3);
  auto model = make_msdnet_preset("msdnet-fmnist", {1, 28, 28}, 10, init);
  auto x = Variable(test::random_tensor({2, 1, 28, 28}, 4));
  auto exits = model->forward_exits(x);
  REQUIRE(exits.size() == 5);
  for (const auto& logits : exits) CHECK(logits.shape() == Shape{2, 10});
  CHECK(model->forward(x).shape() == Shape{2, 10});
  // The CIFAR presets also take 28x28 inputs (scales 28, 14, 7).
  auto cifar = make_msdnet_preset("msdnet-cifar-budget", {3, 28, 28}, 100, init);
  model->eval();
  cifar->eval();
  auto y = cifar->forward_exits(Variable(test::random_tensor({1, 3, 28, 28}, 5)));
  CHECK(y.size() == 7);
  CHECK(y.back().shape() == Shape{1, 100});
}

// A small network reaching every kind of module: 6 layers on 3 scales (two scales
// dropped, two transitions), 17x17 inputs.
MsdnetConfig small_config() {
  MsdnetConfig c;
  c.num_classes = 4;
  c.n_blocks = 3;
  c.n_channels = 4;
  c.base = 1;
  c.step_mode = MsdnetStepMode::lin_grow;
  c.step = 1;
  c.growth_rate = 4;
  c.classifier_channels = 8;
  return c;
}

Variable summed_exit_loss(Msdnet& model, const Tensor& x, const Tensor& labels) {
  Variable loss;
  for (const auto& logits : model.forward_exits(Variable(x))) {
    auto exit_loss = cross_entropy(logits, labels);
    loss = loss.defined() ? loss + exit_loss : exit_loss;
  }
  return loss;
}

TEST_CASE("msdnet: every parameter learns from the summed exits, and training fits a batch") {
  Generator init(5);
  Msdnet model(small_config(), init);
  auto x = test::random_tensor({8, 3, 17, 17}, 6);
  auto labels = Tensor::from_vector({0, 1, 2, 3, 3, 2, 1, 0}, {8}, DType::i64);
  auto first = summed_exit_loss(model, x, labels);
  first.backward();
  for (const auto& [name, p] : model.named_parameters()) {
    INFO(name);
    REQUIRE(p.grad().defined());
    auto g = p.grad().to_vector();
    double largest = 0.0;
    for (double v : g) largest = std::max(largest, std::abs(v));
    CHECK(largest > 0.0);  // no branch is cut off from the loss
  }
  Sgd sgd(model.named_parameters(), SgdOptions{.lr = 0.05, .momentum = 0.9});
  double loss = first.value().item();
  for (int step = 0; step < 12; ++step) {
    sgd.zero_grad();
    auto l = summed_exit_loss(model, x, labels);
    l.backward();
    sgd.step();
    loss = l.value().item();
  }
  // Three exits of 4 classes start near 3 * log(4) = 4.16; fitting 8 images drops it.
  CHECK(first.value().item() > 3.0);
  CHECK(loss < 0.5 * first.value().item());
}

TEST_CASE("msdnet: bad presets, input sizes and inputs are refused with the reason") {
  Generator init(1);
  CHECK_THROWS_WITH(make_msdnet_preset("msdnet-tiny", {3, 32, 32}, 10, init),
                    doctest::Contains("msdnet-cifar-anytime, msdnet-cifar-budget"));
  CHECK_THROWS_WITH(make_msdnet_preset("msdnet-cifar-anytime", {3, 64, 64}, 10, init),
                    doctest::Contains("coarsest scale 5 to 12"));
  CHECK_THROWS_WITH(make_msdnet_preset("msdnet-imagenet", {3, 32, 32}, 10, init),
                    doctest::Contains("msdnet-imagenet"));
  CHECK_THROWS_WITH(make_msdnet_preset("msdnet-fmnist", {0, 28, 28}, 10, init),
                    doctest::Contains("channels"));
  auto model = make_msdnet_preset("msdnet-fmnist", {1, 28, 28}, 10, init);
  CHECK_THROWS_WITH(model->forward_exits(Variable(test::random_tensor({1, 3, 28, 28}, 1))),
                    doctest::Contains("expected input [N, 1, H, W]"));
  CHECK_THROWS_WITH(model->forward_exits(Variable(test::random_tensor({1, 1, 16, 16}, 1))),
                    doctest::Contains("16x16"));
  MsdnetConfig odd;
  odd.growth_rate = 3;  // x grFactor 2 = 6 is even, x 1 is fine: still valid
  CHECK_NOTHROW(validate(odd));
  odd.gr_factor = {1, 3, 4};  // 3 * 3 = 9 new channels cannot be split in halves
  CHECK_THROWS_WITH(validate(odd), doctest::Contains("must be even"));
  MsdnetConfig mismatched;
  mismatched.bn_factor = {1, 2};
  CHECK_THROWS_WITH(validate(mismatched), doctest::Contains("one entry per scale"));
}

}  // namespace
}  // namespace chase

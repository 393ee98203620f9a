// True early exit (chase/eval/early_exit.h), tested so that it cannot be faked:
// an observer throws if any module that only later exits need is called, later
// stages see exactly the images that have not left, the multiply-adds really
// executed equal the counter's `sequential` figure of the exits taken, and the
// predictions equal the full pass's under the same thresholds, bit for bit on the
// reference backend.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "autograd/grad_mode.h"
#include "chase/eval/budgeted.h"
#include "chase/eval/early_exit.h"
#include "chase/flops/flops_counter.h"
#include "chase/models/chase_net.h"
#include "chase/models/registry.h"
#include "tensor/error.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace chase::eval {
namespace {

// Three scales, three blocks of three layers, an exit after every layer (9
// exits): exits 3 and 6 sit between blocks, where the finer scales'
// transitions must wait. 8x8 images: scales 8, 4, 2.
ChaseConfig every_layer_config() {
  ChaseConfig c;
  c.in_channels = 1;
  c.num_classes = 4;
  c.stem_channels = 4;
  c.stem_stride = 1;
  c.first_channels = 4;
  c.n_blocks = 3;
  c.layers_per_block = 3;
  c.kappa = 1;
  c.growth = 2;
  c.gr_factor = {1, 2, 2};
  c.bn_factor = {1, 2, 2};
  c.gal = GalPlacement::last_two_blocks;
  c.gal_heads = 1;
  c.gal_mlp_ratio = 1;
  c.classifier_channels = 4;
  return c;
}

std::shared_ptr<ChaseNet> tiny_chase() {
  Generator init(3);
  return std::make_shared<ChaseNet>(every_layer_config(), init);
}

Tensor images(std::int64_t n, std::int64_t side, std::uint64_t seed) {
  Generator gen(seed);
  return uniform({n, 1, side, side}, -1.0, 1.0, gen);
}

// The modules whose every call in a full pass is needed only by exits after `k`
// (0-based): an image leaving at exit k must never reach them.
std::set<const Module*> needed_only_after(const FlopsProfile& profile, std::size_t k) {
  std::set<const Module*> early, late;
  for (const auto& call : profile.calls) {
    const bool needed_early =
        std::any_of(call.needed_by.begin(), call.needed_by.begin() + static_cast<long>(k) + 1,
                    [](bool needed) { return needed; });
    (needed_early ? early : late).insert(call.module);
  }
  std::set<const Module*> only_late;
  for (const Module* module : late) {
    if (!early.contains(module)) only_late.insert(module);
  }
  return only_late;
}

// Throws when one of `forbidden` is called; records the batch size each of
// `watched` is called with.
class CallGuard final : public ModuleCallObserver {
 public:
  std::set<const Module*> forbidden, watched;
  std::set<std::int64_t> watched_batches;

  void enter(Module& module, const Variable& x) override {
    if (forbidden.contains(&module)) {
      throw Error("early exit: a module only later exits need was called: " + module.type_name());
    }
    if (watched.contains(&module)) watched_batches.insert(x.size(0));
  }
  void leave(Module&, const Variable&, const Variable&) override {}
};

std::vector<float> out_at(std::size_t k, std::size_t exits) {
  std::vector<float> thresholds(exits, kNobodyLeaves);
  thresholds[k] = kEverybodyLeaves;
  return thresholds;
}

// Every exit's predictions from one full pass (forward_exits), as budgeted.h reads them.
ExitPredictions full_pass(MultiExitModel& model, const Tensor& x) {
  NoGradGuard no_grad;
  model.eval();
  ExitPredictions out;
  for (const auto& logits : model.forward_exits(Variable(x))) {
    const auto probabilities = softmax(logits.value(), 1).to_vector();
    const auto classes = static_cast<std::size_t>(logits.size(1));
    auto& confidence = out.confidence.emplace_back();
    auto& predicted = out.predicted.emplace_back();
    for (std::int64_t row = 0; row < logits.size(0); ++row) {
      const auto r = static_cast<std::size_t>(row);
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c) {
        if (static_cast<float>(probabilities[r * classes + c]) >
            static_cast<float>(probabilities[r * classes + best]))
          best = c;
      }
      confidence.push_back(static_cast<float>(probabilities[r * classes + best]));
      predicted.push_back(static_cast<std::int64_t>(best));
    }
  }
  out.labels.assign(static_cast<std::size_t>(x.size(0)), 0);
  return out;
}

TEST_CASE("early exit: images sent out at exit k never reach a module only later exits need") {
  auto model = tiny_chase();
  const auto x = images(6, 8, 1);
  const auto profile = profile_flops(*model, {1, 8, 8});
  const auto sequential = profile.exits(FlopsConvention::sequential);
  for (std::size_t k : {0u, 2u, 3u, 5u, 8u}) {
    CAPTURE(k);
    const auto thresholds = out_at(k, 9);
    CallGuard guard;
    guard.forbidden = needed_only_after(profile, k);
    CHECK(guard.forbidden.empty() == (k == 8));
    EarlyExitResult result;
    {
      ModuleCallObserverScope observe(guard);
      result = predict_early_exit(*model, x, thresholds);
    }
    CHECK(result.exit_taken == std::vector<std::int64_t>(6, static_cast<std::int64_t>(k)));
    for (std::size_t j = 0; j < 9; ++j) CHECK(result.stage_images[j] == (j <= k ? 6 : 0));
    // What it executed is exactly what the counter says exit k needs.
    const auto metered = predict_early_exit(*model, x, thresholds, /*measure_macs=*/true);
    CHECK(metered.executed_macs == 6 * sequential[k].macs);
  }
}

TEST_CASE("early exit: later stages run on exactly the images that have not left") {
  auto model = tiny_chase();
  const auto x = images(10, 8, 2);
  const auto full = full_pass(*model, x);
  // Exit 1's threshold at its median confidence: about half the images leave there.
  auto sorted = full.confidence[0];
  std::sort(sorted.begin(), sorted.end());
  auto thresholds = std::vector<float>(9, kNobodyLeaves);
  thresholds[0] = sorted[5];
  const auto leaving = std::count_if(full.confidence[0].begin(), full.confidence[0].end(),
                                     [&](float c) { return c >= thresholds[0]; });
  REQUIRE(leaving > 0);
  REQUIRE(leaving < 10);

  CallGuard guard;
  guard.watched = needed_only_after(profile_flops(*model, {1, 8, 8}), 0);
  EarlyExitResult result;
  {
    ModuleCallObserverScope observe(guard);
    result = predict_early_exit(*model, x, thresholds);
  }
  CHECK(result.stage_images[0] == 10);
  for (std::size_t j = 1; j < 9; ++j) CHECK(result.stage_images[j] == 10 - leaving);
  CHECK(guard.watched_batches == std::set<std::int64_t>{10 - leaving});
}

TEST_CASE("early exit: the full pass's predictions under the same thresholds, bit for bit") {
  const ScopedCpuBackend reference(CpuBackend::reference);
  auto model = tiny_chase();
  const auto x = images(16, 8, 3);
  const auto full = full_pass(*model, x);
  const auto thresholds = fit_thresholds(full, geometric_exit_prior(0.8, 9));
  const auto sequential = profile_flops(*model, {1, 8, 8}).exits(FlopsConvention::sequential);
  const auto result = predict_early_exit(*model, x, thresholds, /*measure_macs=*/true);
  std::set<std::int64_t> exits_taken;
  std::int64_t expected_macs = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    std::size_t k = 0;
    while (k + 1 < 9 && full.confidence[k][i] < thresholds[k]) ++k;
    CAPTURE(i);
    CHECK(result.exit_taken[i] == static_cast<std::int64_t>(k));
    CHECK(result.predicted[i] == full.predicted[k][i]);
    CHECK(result.confidence[i] == full.confidence[k][i]);
    exits_taken.insert(result.exit_taken[i]);
    expected_macs += sequential[k].macs;
  }
  CHECK(exits_taken.size() >= 3);  // the thresholds spread the images over several exits
  CHECK(result.executed_macs == expected_macs);
}

// MSDNet's layers compute every scale in one call, so a block computes its
// finer scales' last outputs, which only later blocks read, before its exit: its
// stages stop after the block, and what they execute is the msdnet convention's
// running total (blocks and classifiers 1..k), more than `sequential`.
TEST_CASE("early exit: MSDNet stops after the block of the exit taken") {
  Generator init(1);
  auto model = make_model("msdnet-fmnist", {1, 28, 28}, 10, init, std::make_shared<Generator>(0));
  const auto x = images(3, 28, 4);
  const auto profile = profile_flops(*model, {1, 28, 28});
  const auto exits = static_cast<std::size_t>(model->exit_count());
  // Every module first called after exit 2's classifier (call order).
  std::size_t last_needed = 0;
  for (std::size_t i = 0; i < profile.calls.size(); ++i) {
    if (profile.calls[i].needed_by[1]) last_needed = i;
  }
  std::set<const Module*> before;
  for (std::size_t i = 0; i <= last_needed; ++i) before.insert(profile.calls[i].module);
  CallGuard guard;
  for (std::size_t i = last_needed + 1; i < profile.calls.size(); ++i) {
    if (!before.contains(profile.calls[i].module)) guard.forbidden.insert(profile.calls[i].module);
  }
  REQUIRE_FALSE(guard.forbidden.empty());
  EarlyExitResult result;
  {
    ModuleCallObserverScope observe(guard);
    result = predict_early_exit(*model, x, out_at(1, exits));
  }
  CHECK(result.exit_taken == std::vector<std::int64_t>(3, 1));
  const auto metered = predict_early_exit(*model, x, out_at(1, exits), /*measure_macs=*/true);
  CHECK(metered.executed_macs == 3 * profile.exits(FlopsConvention::msdnet)[1].macs);
  CHECK(metered.executed_macs > 3 * profile.exits(FlopsConvention::sequential)[1].macs);
}

TEST_CASE("early exit: thresholds of the wrong count or an empty batch are refused") {
  auto model = tiny_chase();
  CHECK_THROWS_WITH_AS(predict_early_exit(*model, images(2, 8, 5), std::vector<float>(3, 0.5f)),
                       "predict: 3 thresholds for a model of 9 exits", Error);
  CHECK_THROWS_AS(predict_early_exit(*model, zeros({0, 1, 8, 8}), out_at(0, 9)), Error);
}

}  // namespace
}  // namespace chase::eval

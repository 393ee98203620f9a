// chase eval's library end to end (chase/eval/): a CHASE network trained one
// epoch on synthetic images with a validation hold-out, reopened from its run
// folder, every exit's softmax computed and cached, the anytime rows equal to
// the trainer's own per-exit metrics, the budgeted curve, true early exit over the
// test set agreeing with it, the CSVs and the thresholds file; and the refusals
// (no hold-out, no run, another model's weights, no images).

#include <doctest/doctest.h>
#include <unistd.h>  // getpid: a folder per process

#include <cmath>
#include <filesystem>

#include "chase/eval/early_exit.h"
#include "chase/eval/reports.h"
#include "chase/eval/run_softmax.h"
#include "chase/eval/trained_run.h"
#include "chase/train/text_file.h"
#include "chase/train/trainer.h"
#include "tensor/error.h"
#include "tests/chase/trainer_test_data.h"

namespace chase::eval {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / fmt::format("chase_test_eval_{}_{}", name, getpid());
  fs::remove_all(dir);
  return dir;
}

train::DatasetRecipe band_recipe() {
  return train::make_recipe("fashion-mnist", test::band_images(300, 1), test::band_images(50, 2));
}

// One epoch of `model` on the band images, `val_size` of them held out.
std::vector<train::EpochMetrics> train_run(const fs::path& out, const std::string& model,
                                           std::int64_t val_size) {
  train::TrainConfig config;
  config.out_dir = out;
  config.model = model;
  config.epochs = 1;
  config.batch_size = 50;
  config.log_every = 1000;
  config.workers = 1;
  config.val_size = val_size;
  return train::run_training(config, band_recipe(), [](const std::string&) {});
}

TEST_CASE("eval: a trained chase-fmnist run reopened gives the trainer's per-exit accuracies") {
  const auto out = fresh_dir("chase");
  const auto history = train_run(out, "chase-fmnist", 60);
  auto run = open_trained_run({.run_dir = out}, band_recipe());
  CHECK(run.model_name == "chase-fmnist");
  CHECK(run.checkpoint == out / "checkpoints" / "epoch-0001" / "model.safetensors");
  REQUIRE(run.validation != nullptr);
  CHECK(run.validation->size() == 60);

  const auto softmax = run_softmax(run, 1);
  CHECK_FALSE(softmax.from_cache);
  CHECK(fs::exists(softmax.cache));
  REQUIRE(softmax.test.exit_count() == 6);
  REQUIRE(softmax.test.image_count() == 50);
  REQUIRE(softmax.validation.has_value());
  CHECK(softmax.validation->image_count() == 60);
  for (const auto& exit : softmax.test.probabilities) {
    for (std::int64_t row = 0; row < 50; ++row) {
      double sum = 0;
      for (std::int64_t c = 0; c < 10; ++c) sum += exit[static_cast<std::size_t>(row * 10 + c)];
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
  }

  // A second evaluation reads the cache, value for value.
  const auto cached = run_softmax(run, 1);
  CHECK(cached.from_cache);
  CHECK(cached.test.probabilities == softmax.test.probabilities);
  CHECK(cached.test.labels == softmax.test.labels);
  CHECK(cached.validation->probabilities == softmax.validation->probabilities);

  // Anytime: the trainer's evaluation of the same weights, exit by exit.
  const auto flops = profile_flops(*run.model, {1, 28, 28});
  const auto rows = anytime_rows(flops, softmax);
  REQUIRE(rows.size() == 6);
  const auto& exits = history.back().exits;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    CHECK(rows[k].exit == static_cast<std::int64_t>(k) + 1);
    CHECK(rows[k].test_top1 == doctest::Approx(100 * exits[k].test_top1));
    REQUIRE(rows[k].val_top1.has_value());
    CHECK(*rows[k].val_top1 == doctest::Approx(100 * *exits[k].val_top1));
    CHECK_FALSE(rows[k].test_top5.has_value());  // 10 classes
    if (k > 0) CHECK(rows[k].macs_msdnet > rows[k - 1].macs_msdnet);
  }
  // docs/chase.md's chase-fmnist table: 3.81 and 23.79 MMACs.
  CHECK(static_cast<double>(rows[0].macs_msdnet) == doctest::Approx(3.81e6).epsilon(2e-3));
  CHECK(static_cast<double>(rows[5].macs_msdnet) == doctest::Approx(23.79e6).epsilon(2e-4));

  // Budgeted: every point costs between the first and the last exit.
  const auto macs = exit_macs(flops, FlopsConvention::msdnet);
  const auto curve = budgeted_sweep(exit_predictions(validation_for_thresholds(softmax, run)),
                                    exit_predictions(softmax.test), macs);
  REQUIRE(curve.size() == 39);
  for (const auto& point : curve) {
    CHECK(point.test.mean_macs >= macs.front());
    CHECK(point.test.mean_macs <= macs.back());
    CHECK(point.thresholds.back() == kEverybodyLeaves);
  }

  // True early exit over the test loader with a budgeted point's thresholds: the
  // accuracy, the exits' shares and the cost the budgeted evaluation computed from
  // the full pass.
  const auto& point = curve[10];
  data::DataLoader loader(run.data.test, {.batch_size = 16, .shuffle = false, .num_workers = 1},
                          run.data.test_transforms);
  train::BatchUploader uploader(run.device);
  const auto early = predict_early_exit(*run.model, loader, uploader, point.thresholds, true);
  REQUIRE(early.predicted.size() == 50);
  std::int64_t correct = 0;
  std::vector<double> shares(6, 0.0);
  for (std::size_t i = 0; i < 50; ++i) {
    correct += early.predicted[i] == softmax.test.labels[i];
    shares[static_cast<std::size_t>(early.exit_taken[i])] += 1.0 / 50;
  }
  CHECK(static_cast<double>(correct) / 50 == doctest::Approx(point.test.accuracy));
  for (std::size_t k = 0; k < 6; ++k) {
    CHECK(shares[k] == doctest::Approx(point.test.exit_fraction[k]));
  }
  const auto sequential = exit_macs(flops, FlopsConvention::sequential);
  double expected = 0;
  for (std::size_t k = 0; k < 6; ++k) expected += point.test.exit_fraction[k] * sequential[k];
  CHECK(static_cast<double>(early.executed_macs) / 50 == doctest::Approx(expected));
  fs::remove_all(out);
}

TEST_CASE("eval: an empty data set is refused, naming it") {
  const auto out = fresh_dir("empty_data");
  train_run(out, "small-cnn", 0);
  auto run = open_trained_run({.run_dir = out}, band_recipe());
  auto empty = std::make_shared<data::SubsetDataset>(run.data.test, std::vector<std::int64_t>{},
                                                     "no images");
  data::DataLoader loader(empty, {.batch_size = 8, .shuffle = false, .num_workers = 0});
  train::BatchUploader uploader(run.device);
  CHECK_THROWS_WITH_AS(exit_softmax(*run.model, loader, uploader),
                       doctest::Contains("the loader over no images delivered no images"), Error);
  CHECK_THROWS_WITH_AS(predict_early_exit(*run.model, loader, uploader, std::vector<float>{0.5f}),
                       doctest::Contains("the loader over no images delivered no images"), Error);
  fs::remove_all(out);
}

TEST_CASE("eval: a run without a validation hold-out is refused for budgeted evaluation") {
  const auto out = fresh_dir("noval");
  train_run(out, "small-cnn", 0);
  auto run = open_trained_run({.run_dir = out}, band_recipe());
  const auto softmax = run_softmax(run, 1);
  CHECK_FALSE(softmax.validation.has_value());
  CHECK_THROWS_WITH_AS(validation_for_thresholds(softmax, run),
                       doctest::Contains("Train with --val-size N"), Error);
  // Anytime needs no hold-out.
  const auto rows = anytime_rows(profile_flops(*run.model, {1, 28, 28}), softmax);
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(rows[0].val_top1.has_value());
  fs::remove_all(out);
}

TEST_CASE("eval: a missing run, a folder without one, another model's weights are refused") {
  CHECK_THROWS_WITH_AS(open_trained_run({.run_dir = fresh_dir("missing")}, band_recipe()),
                       doctest::Contains("no such folder"), Error);
  const auto empty = fresh_dir("empty");
  fs::create_directories(empty);
  CHECK_THROWS_WITH_AS(open_trained_run({.run_dir = empty}, band_recipe()),
                       doctest::Contains("holds no training run"), Error);

  const auto small = fresh_dir("small");
  const auto chase = fresh_dir("chase_other");
  train_run(small, "small-cnn", 0);
  train_run(chase, "chase-fmnist", 0);
  const auto foreign = small / "checkpoints" / "epoch-0001" / "model.safetensors";
  CHECK_THROWS_WITH_AS(open_trained_run({.run_dir = chase, .checkpoint = foreign}, band_recipe()),
                       doctest::Contains("does not hold the weights of the run's model chase-fmnist"),
                       Error);
  CHECK_THROWS_WITH_AS(
      open_trained_run({.run_dir = chase, .checkpoint = chase / "nothing.safetensors"},
                       band_recipe()),
      doctest::Contains("no such file"), Error);
  fs::remove_all(empty);
  fs::remove_all(small);
  fs::remove_all(chase);
}

TEST_CASE("eval: the CSVs and the thresholds file have their documented formats") {
  std::vector<AnytimeRow> rows = {
      {.exit = 1, .macs_msdnet = 1'500'000, .macs_lazy = 1'000'000, .macs_sequential = 1'500'000,
       .test_top1 = 91.25, .test_top5 = std::nullopt, .val_top1 = 90.5},
      {.exit = 2, .macs_msdnet = 4'000'000, .macs_lazy = 3'000'000, .macs_sequential = 3'900'000,
       .test_top1 = 93.0, .test_top5 = std::nullopt, .val_top1 = 92.75}};
  CHECK(anytime_csv(rows) ==
        "exit,mflops_msdnet,mflops_lazy,mflops_sequential,test_top1,val_top1\n"
        "1,1.500000,1.000000,1.500000,91.25,90.50\n"
        "2,4.000000,3.000000,3.900000,93.00,92.75\n");

  BudgetedPoint point{.p = 0.5,
                      .thresholds = {0.75f, kEverybodyLeaves},
                      .validation = {.accuracy = 0.9, .mean_macs = 2e6, .exit_fraction = {0.8, 0.2}},
                      .test = {.accuracy = 0.925, .mean_macs = 2.5e6, .exit_fraction = {0.6, 0.4}}};
  CHECK(budgeted_csv({point}, FlopsConvention::msdnet) ==
        "p,mflops_msdnet,test_top1,val_mflops,val_top1,share_1,share_2,threshold_1,threshold_2\n"
        "0.50,2.500000,92.50,2.000000,90.00,0.6000,0.4000,0.75,-100000000\n");

  const auto dir = fresh_dir("thresholds");
  const auto path = dir / "thresholds-2.json";
  train::write_text_file(path, thresholds_json(point, "chase-fmnist", "key", FlopsConvention::msdnet,
                                               2e6));
  const auto saved = load_thresholds(path.string());
  CHECK(saved.model == "chase-fmnist");
  CHECK(saved.thresholds == point.thresholds);

  train::write_text_file(path, "{\"model\": \"chase-fmnist\", \"thresholds\": [0.5, \"x\"]}");
  CHECK_THROWS_WITH_AS(load_thresholds(path.string()),
                       doctest::Contains("threshold \"x\" is not a number"), Error);
  train::write_text_file(path, "not json");
  CHECK_THROWS_WITH_AS(load_thresholds(path.string()), doctest::Contains("not a JSON object"),
                       Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chase::eval

// `chase train --model msdnet-cifar-anytime|chase-cifar10|chase-cifar100 --dataset
// cifar10|cifar100` end to end on the committed CIFAR fixtures: the official binary
// layout with 2 (CIFAR-10) or 3 (CIFAR-100) records per file, read by the same
// readers and trained by the same recipe (crop, flip, normalisation) as a user's
// real CIFAR after `chase data fetch`. The fixtures only prove that the path runs:
// their accuracy means nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process

#include <cmath>
#include <filesystem>

#include "chase/train/dataset_recipe.h"
#include "chase/train/trainer.h"
#include "data/cifar.h"
#include "tests/data/data_test_util.h"

using namespace chase;
using namespace chase::train;

namespace {

namespace fs = std::filesystem;

TrainConfig fixture_config(const std::string& dataset,
                           const std::string& model = "msdnet-cifar-anytime") {
  TrainConfig config;
  config.dataset = dataset;
  config.model = model;
  config.out_dir = fs::temp_directory_path() /
                   fmt::format("chase_test_cifar_{}_{}_{}", dataset, model, getpid());
  fs::remove_all(config.out_dir);
  config.epochs = 1;
  config.batch_size = 5;
  config.workers = 0;
  config.log_every = 1000;
  return config;
}

void ignore(const std::string&) {}

// exits: 10 for msdnet-cifar-anytime (one per block), 6 for chase-cifar10/100.
void check_every_exit_finite(const std::vector<EpochMetrics>& history, std::int64_t test_images,
                             bool top5, std::size_t exits = 10) {
  REQUIRE(history.size() == 1);
  CHECK(std::isfinite(history[0].train_loss));
  REQUIRE(history[0].exits.size() == exits);
  for (const auto& exit : history[0].exits) {
    CHECK(std::isfinite(exit.test_loss));
    // Accuracy on a handful of images is a multiple of 1 / test_images.
    CHECK(exit.test_top1 * static_cast<double>(test_images) ==
          doctest::Approx(std::round(exit.test_top1 * static_cast<double>(test_images))));
    CHECK(exit.test_top5.has_value() == top5);
  }
}

}  // namespace

TEST_CASE("trainer: msdnet-cifar-anytime trains on the CIFAR-10 fixture (official layout)") {
  const auto dir = test::fixture_path("cifar-10-fixture");
  const data::CifarOptions fixture{.records_per_file = test::kCifar10FixtureRecords};
  auto recipe = make_recipe("cifar10", data::load_cifar10(dir, data::Split::train, fixture),
                            data::load_cifar10(dir, data::Split::test, fixture));
  REQUIRE(recipe.train->size() == 10);
  auto config = fixture_config("cifar10");
  check_every_exit_finite(run_training(config, recipe, ignore), 2, /*top5=*/false);
  CHECK(fs::exists(config.out_dir / "metrics.jsonl"));
  fs::remove_all(config.out_dir);
}

TEST_CASE("trainer: msdnet-cifar-anytime trains on the CIFAR-100 fixture, with top-5 per exit") {
  const auto dir = test::fixture_path("cifar-100-fixture");
  const data::CifarOptions fixture{.records_per_file = test::kCifar100FixtureRecords};
  auto recipe = make_recipe("cifar100", data::load_cifar100(dir, data::Split::train, fixture),
                            data::load_cifar100(dir, data::Split::test, fixture));
  REQUIRE(recipe.train->num_classes() == 100);
  auto config = fixture_config("cifar100");
  check_every_exit_finite(run_training(config, recipe, ignore), 3, /*top5=*/true);
  fs::remove_all(config.out_dir);
}

TEST_CASE("trainer: chase-cifar10 trains on the CIFAR-10 fixture, every exit finite") {
  const auto dir = test::fixture_path("cifar-10-fixture");
  const data::CifarOptions fixture{.records_per_file = test::kCifar10FixtureRecords};
  auto recipe = make_recipe("cifar10", data::load_cifar10(dir, data::Split::train, fixture),
                            data::load_cifar10(dir, data::Split::test, fixture));
  auto config = fixture_config("cifar10", "chase-cifar10");
  check_every_exit_finite(run_training(config, recipe, ignore), 2, /*top5=*/false, 6);
  CHECK(fs::exists(config.out_dir / "metrics.jsonl"));
  fs::remove_all(config.out_dir);
}

TEST_CASE("trainer: chase-cifar100 trains on the CIFAR-100 fixture, with top-5 per exit") {
  const auto dir = test::fixture_path("cifar-100-fixture");
  const data::CifarOptions fixture{.records_per_file = test::kCifar100FixtureRecords};
  auto recipe = make_recipe("cifar100", data::load_cifar100(dir, data::Split::train, fixture),
                            data::load_cifar100(dir, data::Split::test, fixture));
  auto config = fixture_config("cifar100", "chase-cifar100");
  check_every_exit_finite(run_training(config, recipe, ignore), 3, /*top5=*/true, 6);
  fs::remove_all(config.out_dir);
}

TEST_CASE("trainer: the CLI path refuses fixture-sized CIFAR files, naming the file and sizes") {
  auto config = fixture_config("cifar10");
  config.data_dir = test::fixture_path("cifar-10-fixture");
  CHECK_THROWS_WITH_AS(run_training(config, ignore),
                       doctest::Contains("expected 10000 records of 3073 bytes"), Error);
  CHECK_FALSE(fs::exists(config.out_dir / "metrics.jsonl"));
}

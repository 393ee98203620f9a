// Training recipes (chase/train/train_recipe.h): the Fashion-MNIST multi-exit
// recipe, apply_recipe, the models that carry one, and --random-erasing from
// TrainConfig through the training pipeline to the run's record.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process, so that concurrent runs do not collide

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chase/models/registry.h"
#include "chase/train/train_recipe.h"
#include "chase/train/trainer.h"
#include "tests/chase/trainer_test_data.h"
#include "tests/test_util.h"

using namespace chase;
using namespace chase::train;
using chase::test::band_images;

namespace {

namespace fs = std::filesystem;

void ignore(const std::string&) {}

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<float> train_pixels(const DatasetRecipe& recipe, std::int64_t index,
                                std::int64_t sample_seed) {
  std::vector<float> pixels(static_cast<std::size_t>(recipe.train->image_shape().numel()));
  recipe.train->read_image(index, pixels);
  recipe.train_transforms.apply({pixels, recipe.train->image_shape()}, 3, 0, sample_seed);
  return pixels;
}

std::vector<float> test_pixels(const DatasetRecipe& recipe, std::int64_t index) {
  std::vector<float> pixels(static_cast<std::size_t>(recipe.test->image_shape().numel()));
  recipe.test->read_image(index, pixels);
  recipe.test_transforms.apply({pixels, recipe.test->image_shape()}, 3, 0, index);
  return pixels;
}

}  // namespace

TEST_CASE("train recipe: the Fashion-MNIST multi-exit recipe's values") {
  const auto recipe = fmnist_multi_exit_recipe();
  CHECK(recipe.epochs == 25);
  CHECK(recipe.batch_size == 128);
  CHECK(recipe.lr == 0.1);
  CHECK(recipe.momentum == 0.9);
  CHECK(recipe.nesterov);
  CHECK(recipe.weight_decay == 5e-4);
  CHECK(recipe.warmup_epochs == 2.0);
  CHECK(recipe.label_smoothing == 0.1);
  CHECK(recipe.val_size == 5000);
  CHECK(recipe.random_erasing == 0.25);
  CHECK(recipe_options(recipe) ==
        "--epochs 25 --batch-size 128 --lr 0.1 --momentum 0.9 --nesterov=true "
        "--weight-decay 0.0005 --warmup-epochs 2 --label-smoothing 0.1 --val-size 5000 "
        "--random-erasing 0.25");
}

TEST_CASE("train recipe: apply_recipe sets the recipe's fields and nothing else") {
  TrainConfig config;
  config.dataset = "cifar10";
  config.model = "msdnet-fmnist";
  config.out_dir = "somewhere";
  config.seed = 17;
  config.exit_weights = {1.0, 2.0};
  config.workers = 0;
  config.log_every = 7;
  const TrainRecipe recipe{.epochs = 3,
                           .batch_size = 32,
                           .lr = 0.2,
                           .momentum = 0.5,
                           .nesterov = false,
                           .weight_decay = 1e-4,
                           .warmup_epochs = 0.5,
                           .label_smoothing = 0.2,
                           .val_size = 100,
                           .random_erasing = 0.75};
  apply_recipe(recipe, config);
  CHECK(config.epochs == 3);
  CHECK(config.batch_size == 32);
  CHECK(config.lr == 0.2);
  CHECK(config.momentum == 0.5);
  CHECK_FALSE(config.nesterov);
  CHECK(config.weight_decay == 1e-4);
  CHECK(config.warmup_epochs == 0.5);
  CHECK(config.label_smoothing == 0.2);
  CHECK(config.val_size == 100);
  CHECK(config.random_erasing == 0.75);
  // Untouched: what the run is on, where it goes and how it executes.
  CHECK(config.dataset == "cifar10");
  CHECK(config.model == "msdnet-fmnist");
  CHECK(config.out_dir == "somewhere");
  CHECK(config.seed == 17);
  CHECK(config.exit_weights == std::vector<double>{1.0, 2.0});
  CHECK(config.workers == 0);
  CHECK(config.log_every == 7);
  CHECK_NOTHROW(validate(config));

  TrainConfig fmnist;
  fmnist.out_dir = "somewhere";
  apply_recipe(fmnist_multi_exit_recipe(), fmnist);
  CHECK_NOTHROW(validate(fmnist));
}

TEST_CASE("train recipe: --random-erasing is validated in [0, 1]") {
  TrainConfig config;
  config.out_dir = "somewhere";
  CHECK(config.random_erasing == 0.0);
  for (double p : {0.0, 0.5, 1.0}) {
    config.random_erasing = p;
    CHECK_NOTHROW(validate(config));
  }
  config.random_erasing = 1.5;
  CHECK_THROWS_WITH_AS(validate(config), "--random-erasing must lie in [0, 1], got 1.5", Error);
  config.random_erasing = -0.25;
  CHECK_THROWS_WITH_AS(validate(config), "--random-erasing must lie in [0, 1], got -0.25", Error);
}

TEST_CASE("train recipe: msdnet-fmnist carries the Fashion-MNIST recipe, small-cnn none") {
  REQUIRE(model_recipe("msdnet-fmnist").has_value());
  CHECK(*model_recipe("msdnet-fmnist") == fmnist_multi_exit_recipe());
  CHECK_FALSE(model_recipe("small-cnn").has_value());
  CHECK_THROWS_WITH_AS(model_recipe("no-such-model"),
                       doctest::Contains("unknown model 'no-such-model'"), Error);
  for (const auto& model : registered_models()) {
    CHECK(model_recipe(model.name) == model.recipe);
  }
}

TEST_CASE("train recipe: random erasing joins the training transforms only, after normalising") {
  const auto plain = make_recipe("fashion-mnist", band_images(20, 1), band_images(10, 2));
  const auto erasing = with_random_erasing(plain, 1.0);
  CHECK(erasing.train == plain.train);
  CHECK(erasing.test == plain.test);
  for (std::int64_t i = 0; i < 10; ++i) {
    CHECK(test_pixels(erasing, i) == test_pixels(plain, i));
    // The same crop, flip and normalisation, then a rectangle of zeros: the mean.
    const auto before = train_pixels(plain, i, i);
    const auto after = train_pixels(erasing, i, i);
    int erased = 0;
    for (std::size_t p = 0; p < before.size(); ++p) {
      CHECK((after[p] == before[p] || after[p] == 0.0f));
      erased += after[p] != before[p];
    }
    CHECK(erased >= 12);  // the smallest rectangle on 28 x 28: 2 x 6
  }
  const auto off = with_random_erasing(plain, 0.0);
  for (std::int64_t i = 0; i < 10; ++i) CHECK(train_pixels(off, i, i) == train_pixels(plain, i, i));
  CHECK_THROWS_WITH_AS(with_random_erasing(plain, 2.0),
                       "random erasing: probability must be in [0, 1], got 2", Error);
}

TEST_CASE("train recipe: a run records its random erasing, and resumes with it") {
  const auto data = make_recipe("fashion-mnist", band_images(100, 1), band_images(20, 2));
  auto config_for = [](const std::string& name, double random_erasing) {
    TrainConfig config;
    config.out_dir =
        fs::temp_directory_path() / fmt::format("chase_test_recipe_{}_{}", name, getpid());
    fs::remove_all(config.out_dir);
    config.epochs = 2;
    config.batch_size = 50;  // 2 steps per epoch
    config.warmup_epochs = 0.0;
    config.log_every = 1;
    config.random_erasing = random_erasing;
    return config;
  };
  auto whole = config_for("whole", 0.5);
  auto plain = config_for("plain", 0.0);
  const auto whole_history = run_training(whole, data, ignore);
  const auto plain_history = run_training(plain, data, ignore);
  // Same seed, same everything else: only the erased pixels differ.
  CHECK(whole_history[0].train_loss != plain_history[0].train_loss);

  const auto log = read_text(whole.out_dir / RunLog::kLogFile);
  CHECK(log.find("label smoothing 0, random erasing p 0.5, seed 1") != std::string::npos);
  CHECK(read_text(plain.out_dir / RunLog::kLogFile).find("no random erasing") !=
        std::string::npos);
  CHECK(read_text(whole.out_dir / "checkpoints/epoch-0002/run.json")
            .find("\"random-erasing\": 0.5") != std::string::npos);
  CHECK(read_text(plain.out_dir / "checkpoints/epoch-0002/run.json").find("random-erasing") ==
        std::string::npos);

  // Interrupted in epoch 2, the run resumes only with the same --random-erasing,
  // and then ends as the uninterrupted one.
  auto split = config_for("split", 0.5);
  auto crash_in_epoch_2 = [](const std::string& line) {
    if (line.starts_with("epoch 2/2  step 1/")) throw std::runtime_error("simulated crash");
  };
  CHECK_THROWS_WITH(run_training(split, data, crash_in_epoch_2), "simulated crash");
  split.resume = true;
  auto other = split;
  other.random_erasing = 0.25;
  CHECK_THROWS_WITH_AS(run_training(other, data, ignore),
                       doctest::Contains("--random-erasing 0.25 (the checkpoint has 0.5)"), Error);
  other.random_erasing = 0.0;
  CHECK_THROWS_WITH_AS(run_training(other, data, ignore),
                       doctest::Contains("no --random-erasing (the checkpoint has 0.5)"), Error);
  const auto split_history = run_training(split, data, ignore);
  REQUIRE(split_history.size() == 2);
  CHECK(split_history[1].train_loss == whole_history[1].train_loss);
  CHECK(split_history[1].test_loss == whole_history[1].test_loss);
  for (const auto& config : {whole, plain, split}) fs::remove_all(config.out_dir);
}

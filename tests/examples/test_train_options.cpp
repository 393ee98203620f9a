// `chase train`'s options (examples/train_options.h): a model's recipe fills
// every option the command line leaves out, and each option given overrides it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chase/train/train_recipe.h"
#include "examples/train_options.h"

using namespace chase;
using chase::commands::train_config;
using chase::commands::train_parser;

namespace {

train::TrainConfig config_of(std::vector<std::string> args) {
  args.insert(args.end(), {"--out", "runs/x"});
  return train_config(train_parser().parse(args));
}

// The recipe's fields of `config`, as a recipe, to compare whole.
train::TrainRecipe recipe_fields(const train::TrainConfig& config) {
  return {.epochs = config.epochs,
          .batch_size = config.batch_size,
          .lr = config.lr,
          .momentum = config.momentum,
          .nesterov = config.nesterov,
          .weight_decay = config.weight_decay,
          .warmup_epochs = config.warmup_epochs,
          .label_smoothing = config.label_smoothing,
          .val_size = config.val_size,
          .random_erasing = config.random_erasing};
}

}  // namespace

TEST_CASE("chase train: --model msdnet-fmnist alone trains by its recipe") {
  const auto config = config_of({"--model", "msdnet-fmnist"});
  CHECK(recipe_fields(config) == train::fmnist_multi_exit_recipe());
  CHECK(config.epochs == 25);
  CHECK(config.lr == 0.1);
  CHECK(config.val_size == 5000);
  CHECK(config.random_erasing == 0.25);
  // What the recipe does not cover keeps TrainConfig's defaults.
  const train::TrainConfig defaults;
  CHECK(config.seed == defaults.seed);
  CHECK(config.workers == defaults.workers);
  CHECK(config.dataset == defaults.dataset);
  CHECK(config.model == "msdnet-fmnist");
}

TEST_CASE("chase train: an option given overrides only its own recipe value") {
  auto expected = train::fmnist_multi_exit_recipe();
  expected.epochs = 3;
  CHECK(recipe_fields(config_of({"--model", "msdnet-fmnist", "--epochs", "3"})) == expected);

  // Every recipe option, each given with a value other than the recipe's.
  const auto all = config_of({"--model=msdnet-fmnist", "--epochs", "7", "--batch-size", "64",
                              "--lr", "0.02", "--momentum", "0.8", "--nesterov=false",
                              "--weight-decay", "1e-4", "--warmup-epochs", "0", "--label-smoothing",
                              "0", "--val-size", "0", "--random-erasing", "0"});
  CHECK(recipe_fields(all) == train::TrainRecipe{.epochs = 7,
                                                 .batch_size = 64,
                                                 .lr = 0.02,
                                                 .momentum = 0.8,
                                                 .nesterov = false,
                                                 .weight_decay = 1e-4,
                                                 .warmup_epochs = 0.0,
                                                 .label_smoothing = 0.0,
                                                 .val_size = 0,
                                                 .random_erasing = 0.0});
  // Given with the default's value, an option still overrides the recipe.
  CHECK(config_of({"--model", "msdnet-fmnist", "--nesterov"}).nesterov);
}

TEST_CASE("chase train: small-cnn has no recipe and keeps TrainConfig's defaults") {
  const train::TrainConfig defaults;
  CHECK(recipe_fields(config_of({})) == recipe_fields(defaults));
  CHECK(recipe_fields(config_of({"--model", "small-cnn"})) == recipe_fields(defaults));
  CHECK(config_of({}).model == defaults.model);
  const auto erased = config_of({"--random-erasing", "0.5", "--nesterov=false"});
  CHECK(erased.random_erasing == 0.5);
  CHECK_FALSE(erased.nesterov);
  CHECK(erased.epochs == defaults.epochs);
}

TEST_CASE("chase train --help: the options a recipe sets, and the models that carry one") {
  const auto usage = train_parser().usage();
  CHECK(usage.find("training epochs (default: the model's recipe, else 5)") != std::string::npos);
  CHECK(usage.find("--random-erasing P") != std::string::npos);
  CHECK(usage.find("Nesterov momentum (default: the model's recipe, else on)") !=
        std::string::npos);
  CHECK(usage.find("  msdnet-fmnist: " +
                   train::recipe_options(train::fmnist_multi_exit_recipe())) != std::string::npos);
  CHECK(usage.find("small-cnn: --") == std::string::npos);
  CHECK_THROWS_WITH_AS(config_of({"--random-erasing", "often"}),
                       "--random-erasing: expected a finite number, got 'often'",
                       cli::UsageError);
}

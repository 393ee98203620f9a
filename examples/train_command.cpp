// chase train --dataset fashion-mnist --model small-cnn --epochs 5 --out runs/fmnist
#include <fmt/format.h>

#include "chase/models/registry.h"
#include "chase/train/train_recipe.h"
#include "chase/train/trainer.h"
#include "examples/cli.h"
#include "examples/commands.h"
#include "examples/train_options.h"

namespace chase::commands {

int train(std::span<const std::string> args) {
  auto parser = train_parser();
  train::TrainConfig config;
  try {
    auto parsed = parser.parse(args);
    if (parsed.help_requested()) {
      fmt::print("{}", parser.usage());
      return 0;
    }
    config = train_config(parsed);
    train::validate(config);
  } catch (const std::exception& error) {
    fmt::print(stderr, "chase train: {}\n\n{}", error.what(), parser.usage());
    return 2;
  }
  if (auto recipe = model_recipe(config.model)) {
    // The run's first line (and train.log) shows every value in effect.
    fmt::print(stderr, "chase train: {} defaults to its recipe {}; options given override it\n",
               config.model, train::recipe_options(*recipe));
  }
  try {
    auto history = train::run_training(config, train::print_to_stderr);
    const auto& last = history.back();
    fmt::print("test accuracy {:.2f}% after {} epochs (metrics in {})\n",
               100.0 * last.test_accuracy, last.epoch,
               (config.out_dir / train::RunLog::kMetricsFile).string());
    if (last.exits.size() > 1) {
      for (const auto& exit : last.exits) {
        fmt::print("  exit {}: test accuracy {:.2f}%\n", exit.exit, 100.0 * exit.test_top1);
      }
    }
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "chase train: error: {}\n", error.what());
    return 1;
  }
}

}  // namespace chase::commands

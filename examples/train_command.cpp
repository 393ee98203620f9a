// chase train --dataset fashion-mnist --model small-cnn --epochs 5 --out runs/fmnist
#include <fmt/format.h>

#include "chase/models/registry.h"
#include "chase/train/train_recipe.h"
#include "chase/train/trainer.h"
#include "examples/cli.h"
#include "examples/commands.h"
#include "examples/train_options.h"

namespace chase::commands {

namespace {

void train_and_report(const train::TrainConfig& config) {
  if (auto recipe = model_recipe(config.model)) {
    // The run's first line (and train.log) shows every value in effect.
    fmt::print(stderr, "chase train: {} defaults to its recipe {}; options given override it\n",
               config.model, train::recipe_options(*recipe));
  }
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
}

}  // namespace

int train(std::span<const std::string> args) {
  return cli::run_command(train_parser(), args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    auto config = train_config(parsed);
    train::validate(config);
    return [config] { train_and_report(config); };
  });
}

}  // namespace chase::commands

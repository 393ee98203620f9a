// chase train --dataset fashion-mnist --model small-cnn --epochs 5 --out runs/fmnist
#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <vector>

#include "chase/models/registry.h"
#include "chase/train/dataset_recipe.h"
#include "chase/train/trainer.h"
#include "data/idx.h"
#include "examples/cli.h"
#include "examples/commands.h"

namespace chase::commands {
namespace {

// "1,0.5,2" -> {1, 0.5, 2}: each a finite number, separated by commas.
std::vector<double> parse_weights(const std::string& text) {
  std::vector<double> weights;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(',', begin);
    const auto item = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    double value = 0.0;
    std::size_t used = 0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || !std::isfinite(value)) {
      throw cli::UsageError(fmt::format(
          "--exit-weights: expected comma-separated numbers such as 1,1,2, got '{}'", text));
    }
    weights.push_back(value);
    if (end == std::string::npos) return weights;
    begin = end + 1;
  }
}

// The defaults shown by --help are those of TrainConfig, so they cannot drift apart.
cli::ArgParser make_parser() {
  const train::TrainConfig defaults;
  cli::ArgParser parser("chase train",
                        "Trains a classifier with SGD (momentum, weight decay, linear warmup then "
                        "cosine decay per step)\non the sum of its exits' cross-entropy, "
                        "evaluates every exit on the test set after every\nepoch and writes "
                        "OUT/metrics.jsonl, OUT/train.log and a checkpoint to resume from.");
  parser
      .option("dataset", "NAME", fmt::format("{}", fmt::join(train::dataset_names(), " | ")),
              defaults.dataset)
      .option("model", "NAME", fmt::format("{}", fmt::join(model_names(), " | ")),
              defaults.model)
      .option("data", "DIR",
              fmt::format("dataset folder (required for cifar; fashion-mnist: {})",
                          data::kDefaultFashionMnistDir.string()))
      .option("out", "DIR", "output folder (required)")
      .option("epochs", "N", "training epochs", std::to_string(defaults.epochs))
      .option("batch-size", "N", "images per step", std::to_string(defaults.batch_size))
      .option("lr", "RATE", "peak learning rate", fmt::format("{}", defaults.lr))
      .option("momentum", "M", "SGD momentum", fmt::format("{}", defaults.momentum))
      .flag("nesterov", "Nesterov momentum", defaults.nesterov)
      .option("weight-decay", "WD", "L2 weight decay on every parameter",
              fmt::format("{}", defaults.weight_decay))
      .option("warmup-epochs", "E", "linear warmup from 0, in epochs (may be fractional)",
              fmt::format("{}", defaults.warmup_epochs))
      .option("seed", "N",
              "seed of initialisation, shuffling, augmentation, dropout and the validation split",
              std::to_string(defaults.seed))
      .option("label-smoothing", "EPS", "label smoothing of every exit's cross-entropy, in [0, 1]",
              fmt::format("{}", defaults.label_smoothing))
      .option("exit-weights", "W1,W2,..",
              "loss weight of each exit, one per exit of the model (default: 1 each)")
      .option("val-size", "N",
              "training images held out for validation, evaluated every epoch; their indices "
              "go to OUT/val_indices.json",
              std::to_string(defaults.val_size))
      .option("threads", "N", "OpenMP threads (default: OMP_NUM_THREADS or every core)")
      .option("workers", "N", "data-loading threads (0: load on the training thread)",
              std::to_string(defaults.workers))
      .option("device", "DEVICE", "cpu | cuda | cuda:N", defaults.device)
      .option("cpu-kernels", "KIND", "dnnl (oneDNN) | reference (plain loops, slow)",
              defaults.cpu_kernels == CpuBackend::dnnl ? "dnnl" : "reference")
      .option("log-every", "N", "steps between progress lines", std::to_string(defaults.log_every))
      .flag("resume", "continue the run whose checkpoint is in --out");
  return parser;
}

train::TrainConfig to_config(const cli::ParsedArgs& parsed) {
  train::TrainConfig config;
  config.dataset = parsed.choice("dataset", train::dataset_names());
  config.model = parsed.choice("model", model_names());
  if (parsed.has("data")) config.data_dir = parsed.string("data");
  config.out_dir = parsed.string("out");
  config.epochs = parsed.integer("epochs");
  config.batch_size = parsed.integer("batch-size");
  config.lr = parsed.real("lr");
  config.momentum = parsed.real("momentum");
  config.nesterov = parsed.flag("nesterov");
  config.weight_decay = parsed.real("weight-decay");
  config.warmup_epochs = parsed.real("warmup-epochs");
  auto seed = parsed.integer("seed");
  if (seed < 0) {
    throw cli::UsageError(fmt::format("--seed: expected a non-negative integer, got {}", seed));
  }
  config.seed = static_cast<std::uint64_t>(seed);
  config.label_smoothing = parsed.real("label-smoothing");
  if (parsed.has("exit-weights")) config.exit_weights = parse_weights(parsed.string("exit-weights"));
  config.val_size = parsed.integer("val-size");
  if (parsed.has("threads")) config.threads = static_cast<int>(parsed.integer("threads"));
  config.workers = static_cast<int>(parsed.integer("workers"));
  config.device = parsed.string("device");
  config.cpu_kernels =
      parsed.choice("cpu-kernels", std::vector<std::string>{"dnnl", "reference"}) == "dnnl"
          ? CpuBackend::dnnl
          : CpuBackend::reference;
  config.log_every = parsed.integer("log-every");
  config.resume = parsed.flag("resume");
  return config;
}

}  // namespace

int train(std::span<const std::string> args) {
  auto parser = make_parser();
  train::TrainConfig config;
  try {
    auto parsed = parser.parse(args);
    if (parsed.help_requested()) {
      fmt::print("{}", parser.usage());
      return 0;
    }
    config = to_config(parsed);
    train::validate(config);
  } catch (const std::exception& error) {
    fmt::print(stderr, "chase train: {}\n\n{}", error.what(), parser.usage());
    return 2;
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

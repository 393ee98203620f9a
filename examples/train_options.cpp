#include "examples/train_options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <vector>

#include "chase/models/registry.h"
#include "chase/train/dataset_recipe.h"
#include "chase/train/train_recipe.h"
#include "data/idx.h"

namespace chase::commands {
namespace {

// "1,0.5,2" -> {1, 0.5, 2}: each a finite number, separated by commas.
std::vector<double> parse_weights(const std::string& text) {
  std::vector<double> weights;
  for (const auto& item : cli::split_commas(text)) {
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
  }
  return weights;
}

// The default of an option a model's recipe sets: the recipe's value where
// the model has one, else TrainConfig's.
template <class T>
std::string recipe_default(const T& fallback) {
  return fmt::format(" (default: the model's recipe, else {})", fallback);
}

// "msdnet-fmnist: --epochs 40 ...", one line per model that has a recipe.
std::string recipes_listing() {
  std::string text;
  for (const auto& model : registered_models()) {
    if (model.recipe) {
      text += fmt::format("\n  {}: {}", model.name, train::recipe_options(*model.recipe));
    }
  }
  return text.empty() ? "\n  (none)" : text;
}

}  // namespace

// The defaults shown by --help are those of TrainConfig, so they cannot drift apart.
cli::ArgParser train_parser() {
  const train::TrainConfig defaults;
  cli::ArgParser parser(
      "chase train",
      "Trains a classifier with SGD (momentum, weight decay, linear warmup then cosine decay per "
      "step)\non the sum of its exits' cross-entropy, evaluates every exit on the test set after "
      "every\nepoch and writes OUT/metrics.jsonl, OUT/train.log and a checkpoint to resume "
      "from.\n\nModels with a training recipe, the default of each option marked \"the model's "
      "recipe\"\n(options given on the command line override it):" +
          recipes_listing());
  parser
      .option("dataset", "NAME", fmt::format("{}", fmt::join(train::dataset_names(), " | ")),
              defaults.dataset)
      .option("model", "NAME", fmt::format("{}", fmt::join(model_names(), " | ")),
              defaults.model)
      .option("data", "DIR",
              fmt::format("dataset folder (required for cifar; fashion-mnist: {})",
                          data::kDefaultFashionMnistDir.string()))
      .option("out", "DIR", "output folder (required)")
      .option("epochs", "N", "training epochs" + recipe_default(defaults.epochs))
      .option("batch-size", "N", "images per step" + recipe_default(defaults.batch_size))
      .option("lr", "RATE", "peak learning rate" + recipe_default(defaults.lr))
      .option("momentum", "M", "SGD momentum" + recipe_default(defaults.momentum))
      .flag("nesterov",
            "Nesterov momentum" + recipe_default(defaults.nesterov ? "on" : "off") +
                "; --nesterov=false turns it off",
            std::nullopt)
      .option("weight-decay", "WD",
              "L2 weight decay on every parameter" + recipe_default(defaults.weight_decay))
      .option("warmup-epochs", "E",
              "linear warmup from 0, in epochs (may be fractional)" +
                  recipe_default(defaults.warmup_epochs))
      .option("seed", "N",
              "seed of initialisation, shuffling, augmentation, dropout and the validation split",
              std::to_string(defaults.seed))
      .option("label-smoothing", "EPS",
              "label smoothing of every exit's cross-entropy, in [0, 1]" +
                  recipe_default(defaults.label_smoothing))
      .option("random-erasing", "P",
              "probability of erasing a random rectangle of each training image (Zhong et al.), "
              "in [0, 1]; 0: off" +
                  recipe_default(defaults.random_erasing))
      .option("exit-weights", "W1,W2,..",
              "loss weight of each exit, one per exit of the model (default: 1 each)")
      .option("val-size", "N",
              "training images held out for validation, evaluated every epoch; their indices "
              "go to OUT/val_indices.json" +
                  recipe_default(defaults.val_size))
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

train::TrainConfig train_config(const cli::ParsedArgs& parsed) {
  train::TrainConfig config;
  config.dataset = parsed.choice("dataset", train::dataset_names());
  config.model = parsed.choice("model", model_names());
  if (auto recipe = model_recipe(config.model)) train::apply_recipe(*recipe, config);

  if (parsed.has("data")) config.data_dir = parsed.string("data");
  config.out_dir = parsed.string("out");
  if (parsed.given("epochs")) config.epochs = parsed.integer("epochs");
  if (parsed.given("batch-size")) config.batch_size = parsed.integer("batch-size");
  if (parsed.given("lr")) config.lr = parsed.real("lr");
  if (parsed.given("momentum")) config.momentum = parsed.real("momentum");
  if (parsed.given("nesterov")) config.nesterov = parsed.flag("nesterov");
  if (parsed.given("weight-decay")) config.weight_decay = parsed.real("weight-decay");
  if (parsed.given("warmup-epochs")) config.warmup_epochs = parsed.real("warmup-epochs");
  auto seed = parsed.integer("seed");
  if (seed < 0) {
    throw cli::UsageError(fmt::format("--seed: expected a non-negative integer, got {}", seed));
  }
  config.seed = static_cast<std::uint64_t>(seed);
  if (parsed.given("label-smoothing")) config.label_smoothing = parsed.real("label-smoothing");
  if (parsed.given("random-erasing")) config.random_erasing = parsed.real("random-erasing");
  if (parsed.has("exit-weights")) {
    config.exit_weights = parse_weights(parsed.string("exit-weights"));
  }
  if (parsed.given("val-size")) config.val_size = parsed.integer("val-size");
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

}  // namespace chase::commands

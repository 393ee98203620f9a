#include "chase/train/trainer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <cmath>

#include "chase/models/registry.h"
#include "chase/train/device.h"
#include "chase/train/run_checkpoint.h"
#include "chase/train/validation_split.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace chase::train {
namespace {

// Evaluation needs no gradients, so it can afford larger batches than training.
constexpr std::int64_t kEvalBatchSize = 500;
constexpr const char* kDropoutStream = "dropout";

// A seed for one purpose of the run, so that initialisation and dropout draw
// from unrelated Philox streams although both derive from --seed.
std::uint64_t purpose_seed(std::uint64_t seed, std::uint64_t purpose) {
  auto block = philox4x32(purpose, seed);
  return (std::uint64_t{block.word[0]} << 32) | block.word[1];
}

// The options that define the run, named as on the command line. The options
// added since the first runs are recorded only when set, so that those runs
// still resume.
RunRecipe recipe_of(const TrainConfig& config) {
  RunRecipe recipe{{"dataset", config.dataset},
                   {"model", config.model},
                   {"epochs", config.epochs},
                   {"batch-size", config.batch_size},
                   {"lr", config.lr},
                   {"momentum", config.momentum},
                   {"nesterov", config.nesterov},
                   {"weight-decay", config.weight_decay},
                   {"warmup-epochs", config.warmup_epochs},
                   {"seed", config.seed}};
  if (config.val_size > 0) recipe["val-size"] = config.val_size;
  if (config.label_smoothing > 0.0) recipe["label-smoothing"] = config.label_smoothing;
  if (config.random_erasing > 0.0) recipe["random-erasing"] = config.random_erasing;
  if (!config.exit_weights.empty()) recipe["exit-weights"] = config.exit_weights;
  return recipe;
}

std::string describe(const TrainConfig& config, const DatasetRecipe& data,
                     const MultiExitModel& model, std::int64_t train_images,
                     std::int64_t steps_per_epoch) {
  auto shape = data.train->image_shape();
  auto loss = model.exit_count() == 1
                   ? std::string("cross-entropy loss")
                   : fmt::format("loss: sum of {} exits' cross-entropy", model.exit_count());
  if (!config.exit_weights.empty()) {
    loss += fmt::format(" weighted {}", fmt::join(config.exit_weights, ","));
  }
  loss += fmt::format(", label smoothing {}", config.label_smoothing);
  auto erasing = config.random_erasing > 0.0
                     ? fmt::format("random erasing p {}", config.random_erasing)
                     : std::string("no random erasing");
  return fmt::format(
      "{} ({} parameters, {} exit{}) on {}: {} training{} and {} test images of {}x{}x{}, {} "
      "epochs of {} steps (batch {}), lr {} (warmup {} epochs, cosine), momentum {}{}, weight "
      "decay {}, {}, {}, seed {}, device {}, {} threads ({} CPU kernels), {} loader workers",
      config.model, model.parameter_count(), model.exit_count(), model.exit_count() == 1 ? "" : "s",
      data.train->name(), train_images,
      config.val_size > 0 ? fmt::format(", {} validation", config.val_size) : "",
      data.test->size(), shape.channels, shape.height, shape.width, config.epochs,
      steps_per_epoch, config.batch_size, config.lr, config.warmup_epochs, config.momentum,
      config.nesterov ? " (nesterov)" : "", config.weight_decay, loss, erasing, config.seed,
      config.device,
      omp_get_max_threads(), config.cpu_kernels == CpuBackend::dnnl ? "oneDNN" : "reference",
      config.workers);
}

// What can be refused before any data is loaded; returns the device to train on.
Device check_runnable(const TrainConfig& config) {
  validate(config);
  const Device device = training_device(config.device);
  CHASE_CHECK(config.resume || !has_run_checkpoint(config.out_dir),
              "{} already holds a run; pass --resume to continue it, or choose another --out",
              config.out_dir.string());
  return device;
}

// On resume, the held-out images must be the recorded ones: a run never
// trains on images it once held out.
void check_recorded_split(const TrainConfig& config, const ValidationRecord& expected) {
  const auto path = (config.out_dir / kValidationIndicesFile).string();
  CHASE_CHECK(std::filesystem::exists(path),
              "--resume --val-size {}: the run in {} recorded no validation split ({} is missing)",
              config.val_size, config.out_dir.string(), path);
  const auto recorded = load_validation_record(config.out_dir);
  CHASE_CHECK(recorded.dataset == expected.dataset &&
                  recorded.training_images == expected.training_images &&
                  recorded.indices == expected.indices,
              "--resume: the validation split held out now ({} of {} images of {}) is not the one "
              "recorded in {} ({} of {} images of {}); is --data the same dataset?",
              expected.indices.size(), expected.training_images, expected.dataset, path,
              recorded.indices.size(), recorded.training_images, recorded.dataset);
}

}  // namespace

std::vector<EpochMetrics> run_training(const TrainConfig& config, const MessageSink& print) {
  check_runnable(config);
  return run_training(config, load_dataset_recipe(config.dataset, config.data_dir), print);
}

std::vector<EpochMetrics> run_training(const TrainConfig& config, const DatasetRecipe& given_data,
                                       const MessageSink& print) {
  const Device device = check_runnable(config);
  const DatasetRecipe data = with_random_erasing(given_data, config.random_erasing);
  const ScopedCpuBackend cpu_kernels(config.cpu_kernels);
  if (config.threads > 0) omp_set_num_threads(config.threads);

  auto train_images = data.train;
  std::optional<ValidationSplit> split;
  std::optional<ValidationRecord> record;
  if (config.val_size > 0) {
    split = hold_out(data.train, config.val_size, config.seed);
    train_images = split->train;
    record = ValidationRecord{.dataset = config.dataset,
                              .training_images = data.train->size(),
                              .seed = config.seed,
                              .indices = split->indices};
    if (config.resume) check_recorded_split(config, *record);
  }

  data::DataLoader train_loader(train_images,
                                {.batch_size = config.batch_size,
                                 .shuffle = true,
                                 .seed = config.seed,
                                 .num_workers = config.workers},
                                data.train_transforms);
  auto eval_loader = [&](std::shared_ptr<const data::Dataset> images) {
    return data::DataLoader(std::move(images),
                            {.batch_size = kEvalBatchSize,
                             .shuffle = false,
                             .seed = config.seed,
                             .num_workers = config.workers},
                            data.test_transforms);
  };
  const auto test_loader = eval_loader(data.test);
  std::optional<data::DataLoader> validation_loader;
  if (split) validation_loader = eval_loader(split->validation);
  const auto steps_per_epoch = train_loader.num_batches();

  Generator init(purpose_seed(config.seed, 1));
  auto dropout_rng = std::make_shared<Generator>(purpose_seed(config.seed, 2));
  auto model = make_model(config.model, data.train->image_shape(),
                                  data.train->num_classes(), init, dropout_rng);
  CHASE_CHECK(config.exit_weights.empty() || std::ssize(config.exit_weights) == model->exit_count(),
              "--exit-weights: {} weights given, but {} has {} exit{}", config.exit_weights.size(),
              config.model, model->exit_count(), model->exit_count() == 1 ? "" : "s");
  const MultiExitLoss loss(
      {.exit_weights = config.exit_weights, .label_smoothing = config.label_smoothing});
  // Built over the moved parameters, the optimizer keeps its momentum buffers
  // beside them; a resumed checkpoint loads onto them too (nn/checkpoint.h).
  model->to(device);
  Sgd optimizer(model->named_parameters(), {.lr = config.lr,
                                            .momentum = config.momentum,
                                            .weight_decay = config.weight_decay,
                                            .nesterov = config.nesterov});
  const CosineSchedule schedule(
      config.lr, config.epochs * steps_per_epoch,
      std::llround(config.warmup_epochs * static_cast<double>(steps_per_epoch)));

  FitOptions options{.epochs = config.epochs,
                     .out_dir = config.out_dir,
                     .resume = config.resume,
                     .log_every = config.log_every,
                     .recipe = recipe_of(config),
                     .random_streams = {{kDropoutStream, dropout_rng}},
                     .validation_loader = validation_loader ? &*validation_loader : nullptr,
                     .description = describe(config, data, *model, train_images->size(),
                                             steps_per_epoch)};
  // A new run records its split before its first epoch; fit() refuses nothing
  // that check_runnable has not already checked.
  if (record && !config.resume) save_validation_record(config.out_dir, *record);
  return fit(*model, loss, optimizer, schedule, train_loader, test_loader, options, print);
}

}  // namespace chase::train

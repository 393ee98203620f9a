#include "examples/trainer.h"

#include <fmt/format.h>
#include <omp.h>

#include <cmath>

#include "examples/device.h"
#include "examples/evaluate.h"
#include "examples/models.h"
#include "examples/run_checkpoint.h"
#include "examples/train_epoch.h"
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

std::string describe(const TrainConfig& config, const DatasetRecipe& data, const Module& model,
                     std::int64_t steps_per_epoch) {
  auto shape = data.train->image_shape();
  return fmt::format(
      "{} ({} parameters) on {}: {} training and {} test images of {}x{}x{}, {} epochs of {} "
      "steps (batch {}), lr {} (warmup {} epochs, cosine), momentum {}{}, weight decay {}, "
      "seed {}, device {}, {} threads ({} CPU kernels), {} loader workers",
      config.model, model.parameter_count(), data.train->name(), data.train->size(),
      data.test->size(), shape.channels, shape.height, shape.width, config.epochs, steps_per_epoch,
      config.batch_size, config.lr, config.warmup_epochs, config.momentum,
      config.nesterov ? " (nesterov)" : "", config.weight_decay, config.seed, config.device,
      omp_get_max_threads(),
      config.cpu_kernels == CpuBackend::dnnl ? "oneDNN" : "reference", config.workers);
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

}  // namespace

void print_to_stderr(const std::string& line) { fmt::print(stderr, "{}\n", line); }

std::vector<EpochMetrics> run_training(const TrainConfig& config, const MessageSink& print) {
  check_runnable(config);
  return run_training(config, load_dataset_recipe(config.dataset, config.data_dir), print);
}

std::vector<EpochMetrics> run_training(const TrainConfig& config, const DatasetRecipe& data,
                                       const MessageSink& print) {
  const Device device = check_runnable(config);
  const ScopedCpuBackend cpu_kernels(config.cpu_kernels);
  if (config.threads > 0) omp_set_num_threads(config.threads);

  data::DataLoader train_loader(data.train,
                                {.batch_size = config.batch_size,
                                 .shuffle = true,
                                 .seed = config.seed,
                                 .num_workers = config.workers},
                                data.train_transforms);
  data::DataLoader test_loader(data.test,
                               {.batch_size = kEvalBatchSize,
                                .shuffle = false,
                                .seed = config.seed,
                                .num_workers = config.workers},
                               data.test_transforms);
  const auto steps_per_epoch = train_loader.num_batches();

  Generator init(purpose_seed(config.seed, 1));
  auto dropout_rng = std::make_shared<Generator>(purpose_seed(config.seed, 2));
  auto model = make_model(config.model, data.train->image_shape(), data.train->num_classes(), init,
                          dropout_rng);
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

  TrainingState state;
  std::vector<EpochMetrics> history;
  if (config.resume) {
    auto resumed = load_run_checkpoint(config.out_dir, config, *model, optimizer);
    state = resumed.state;
    history = std::move(resumed.history);
    CHASE_CHECK(state.step == state.epoch * steps_per_epoch,
                "--resume: the checkpoint took {} steps in {} epochs, but the data gives {} "
                "steps per epoch; is --data the same dataset?",
                state.step, state.epoch, steps_per_epoch);
    CHASE_CHECK(state.rng.contains(kDropoutStream),
                "--resume: the checkpoint in {} has no '{}' random stream", config.out_dir.string(),
                kDropoutStream);
    *dropout_rng = state.rng.at(kDropoutStream);
  }

  BatchUploader uploader(device);
  RunLog log(config.out_dir, history);
  auto say = [&](const std::string& line) {
    print(line);
    log.note(line);
  };
  say(describe(config, data, *model, steps_per_epoch));
  if (config.resume) say(fmt::format("resumed after epoch {} (step {})", state.epoch, state.step));

  for (auto epoch = state.epoch + 1; epoch <= config.epochs; ++epoch) {
    auto trained = train_epoch(*model, optimizer, schedule, train_loader, uploader,
                               {.epoch = epoch,
                                .epochs = config.epochs,
                                .first_step = state.step,
                                .log_every = config.log_every},
                               say);
    auto tested = evaluate(*model, test_loader, uploader);
    EpochMetrics metrics{.epoch = epoch,
                         .train_loss = trained.loss,
                         .train_acc = trained.accuracy,
                         .test_loss = tested.loss,
                         .test_accuracy = tested.accuracy,
                         .lr = trained.last_lr,
                         .seconds = trained.seconds,
                         .images_per_s = trained.images_per_s,
                         .data_wait_fraction = trained.data_wait_fraction};
    history.push_back(metrics);
    log.append(metrics);
    print(to_log_line(metrics));

    state.epoch = epoch;
    state.step += trained.steps;
    state.rng[kDropoutStream] = *dropout_rng;
    save_run_checkpoint(config.out_dir, *model, optimizer, state, config, history);
  }
  return history;
}

}  // namespace chase::train

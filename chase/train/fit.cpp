#include "chase/train/fit.h"

#include <fmt/format.h>

#include "chase/train/device.h"
#include "chase/train/evaluate.h"
#include "chase/train/train_epoch.h"
#include "tensor/error.h"

namespace chase::train {
namespace {

// The device the model's parameters live on (the CPU for a model without any).
Device model_device(const Module& model) {
  const auto parameters = model.parameters();
  const Device device = parameters.empty() ? Device::cpu() : parameters.front().value().device();
  for (const auto& parameter : parameters) {
    CHASE_CHECK(parameter.value().device() == device,
                "fit: the model's parameters are on {} and {}; move the model to one device "
                "(Module::to) before training",
                device.str(), parameter.value().device().str());
  }
  return device;
}

void check_options(const MultiExitModel& model, const FitOptions& options,
                   const data::DataLoader& train_loader) {
  CHASE_CHECK(!options.out_dir.empty(), "fit: options.out_dir (--out DIR) is required");
  CHASE_CHECK(options.epochs >= 1, "fit: options.epochs must be at least 1, got {}",
              options.epochs);
  CHASE_CHECK(options.log_every >= 1, "fit: options.log_every must be at least 1, got {}",
              options.log_every);
  CHASE_CHECK(model.exit_count() >= 1, "fit: {} has {} exits, expected at least 1",
              model.type_name(), model.exit_count());
  CHASE_CHECK(train_loader.num_batches() >= 1, "fit: the training loader over {} has no batch",
              train_loader.dataset().name());
  for (const auto& [name, generator] : options.random_streams) {
    CHASE_CHECK(generator != nullptr, "fit: random stream '{}' is null", name);
  }
  CHASE_CHECK(options.resume || !has_run_checkpoint(options.out_dir),
              "{} already holds a run; pass --resume to continue it, or choose another --out",
              options.out_dir.string());
}

std::vector<ExitMetrics> exit_metrics(const EpochResult& trained, const EvalResult& tested,
                                      const EvalResult* validated) {
  std::vector<ExitMetrics> exits;
  for (std::size_t k = 0; k < tested.exits.size(); ++k) {
    ExitMetrics exit{.exit = static_cast<std::int64_t>(k + 1),
                     .train_acc = trained.exit_accuracy.at(k),
                     .test_loss = tested.exits[k].loss,
                     .test_top1 = tested.exits[k].top1,
                     .test_top5 = tested.exits[k].top5,
                     .val_loss = std::nullopt,
                     .val_top1 = std::nullopt,
                     .val_top5 = std::nullopt};
    if (validated != nullptr) {
      exit.val_loss = validated->exits[k].loss;
      exit.val_top1 = validated->exits[k].top1;
      exit.val_top5 = validated->exits[k].top5;
    }
    exits.push_back(exit);
  }
  return exits;
}

}  // namespace

void print_to_stderr(const std::string& line) { fmt::print(stderr, "{}\n", line); }

std::vector<EpochMetrics> fit(MultiExitModel& model, const LossFunction& loss, Sgd& optimizer,
                              const LrSchedule& schedule, const data::DataLoader& train_loader,
                              const data::DataLoader& test_loader, const FitOptions& options,
                              const MessageSink& sink) {
  check_options(model, options, train_loader);
  const Device device = model_device(model);
  const auto steps_per_epoch = train_loader.num_batches();

  TrainingState state;
  std::vector<EpochMetrics> history;
  if (options.resume) {
    auto resumed = load_run_checkpoint(options.out_dir, options.recipe, model, optimizer);
    state = resumed.state;
    history = std::move(resumed.history);
    CHASE_CHECK(state.step == state.epoch * steps_per_epoch,
                "--resume: the checkpoint took {} steps in {} epochs, but the data gives {} "
                "steps per epoch; is --data the same dataset?",
                state.step, state.epoch, steps_per_epoch);
    for (const auto& [name, generator] : options.random_streams) {
      CHASE_CHECK(state.rng.contains(name),
                  "--resume: the checkpoint in {} has no '{}' random stream",
                  options.out_dir.string(), name);
      *generator = state.rng.at(name);
    }
  }

  BatchUploader uploader(device);
  RunLog log(options.out_dir, history);
  auto say = [&](const std::string& line) {
    sink(line);
    log.note(line);
  };
  if (!options.description.empty()) say(options.description);
  if (options.resume) say(fmt::format("resumed after epoch {} (step {})", state.epoch, state.step));

  for (auto epoch = state.epoch + 1; epoch <= options.epochs; ++epoch) {
    auto trained = train_epoch(model, loss, optimizer, schedule, train_loader, uploader,
                               {.epoch = epoch,
                                .epochs = options.epochs,
                                .first_step = state.step,
                                .log_every = options.log_every},
                               say);
    const auto tested = evaluate(model, test_loader, uploader);
    std::optional<EvalResult> validated;
    if (options.validation_loader != nullptr) {
      validated = evaluate(model, *options.validation_loader, uploader);
    }
    EpochMetrics metrics{.epoch = epoch,
                         .train_loss = trained.loss,
                         .train_acc = trained.accuracy,
                         .test_loss = tested.loss(),
                         .test_accuracy = tested.accuracy(),
                         .lr = trained.last_lr,
                         .seconds = trained.seconds,
                         .images_per_s = trained.images_per_s,
                         .data_wait_fraction = trained.data_wait_fraction,
                         .val_loss = std::nullopt,
                         .val_accuracy = std::nullopt,
                         .exits = exit_metrics(trained, tested, validated ? &*validated : nullptr)};
    if (validated) {
      metrics.val_loss = validated->loss();
      metrics.val_accuracy = validated->accuracy();
    }
    history.push_back(metrics);
    log.append(metrics);
    sink(to_log_line(metrics));

    state.epoch = epoch;
    state.step += trained.steps;
    for (const auto& [name, generator] : options.random_streams) state.rng[name] = *generator;
    save_run_checkpoint(options.out_dir, model, optimizer, state, options.recipe, history);
  }
  return history;
}

}  // namespace chase::train

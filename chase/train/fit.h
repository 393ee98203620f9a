// The library's training entry point: a C++ user's own multi-exit model, loss,
// optimizer, schedule and loaders in; epochs of training and evaluation out,
// with everything a run needs to be followed and resumed:
//   - each epoch trains on train_loader (train_epoch.h), evaluates every exit
//     on test_loader and, when given, on the validation loader (evaluate.h);
//   - OUT/metrics.jsonl and OUT/train.log record it (metrics_log.h);
//   - a checkpoint after every epoch (run_checkpoint.h): weights, momentum,
//     step, the random streams named in the options, the recipe, the metrics;
//   - with options.resume, the latest checkpoint is restored first and the run
//     continues bit-identically to an uninterrupted one.
// The model must already live on the device it trains on (Module::to), and the
// optimizer be built over its parameters; batches are uploaded to that device.
//
//   auto model = std::make_shared<MyModel>(...);        // a MultiExitModel
//   Sgd optimizer(model->named_parameters(), {.lr = 0.05, .momentum = 0.9});
//   CosineSchedule schedule(0.05, epochs * train_loader.num_batches(), 0);
//   auto history = chase::train::fit(*model, MultiExitLoss(), optimizer, schedule,
//                                    train_loader, test_loader,
//                                    {.epochs = epochs, .out_dir = "runs/mine"});
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chase/multi_exit_model.h"
#include "chase/train/metrics_log.h"
#include "chase/train/multi_exit_loss.h"
#include "chase/train/run_checkpoint.h"
#include "data/loader.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"
#include "tensor/random.h"

namespace chase::train {

struct FitOptions {
  std::int64_t epochs = 1;
  std::filesystem::path out_dir;  // required: metrics.jsonl, train.log, checkpoints
  bool resume = false;            // continue the run whose checkpoint is in out_dir
  std::int64_t log_every = 50;    // steps between progress lines
  // What defines the run; a resumed run must have the same (run_checkpoint.h).
  RunRecipe recipe = RunRecipe::object();
  // The generators the model draws from while training (dropout, ...), by name:
  // checkpointed after every epoch and restored on resume.
  std::map<std::string, std::shared_ptr<Generator>> random_streams{};
  // Evaluated every epoch after the test set when set (a held-out part of the
  // training set, validation_split.h); the caller keeps it alive.
  const data::DataLoader* validation_loader = nullptr;
  // Written first to the sink and train.log (what is trained on what); empty: nothing.
  std::string description{};
};

// Where the progress and epoch lines go (also written to train.log).
using MessageSink = std::function<void(const std::string& line)>;
void print_to_stderr(const std::string& line);

// Trains for options.epochs epochs (those after the checkpoint with
// options.resume). Returns the metrics of every epoch of the run (those
// before a resume included). Throws chase::Error on invalid options, an
// out_dir that already holds a run when options.resume is off, a checkpoint
// that is not this run's, or a non-finite loss; every refusal before the
// first epoch leaves out_dir as it was.
std::vector<EpochMetrics> fit(MultiExitModel& model, const LossFunction& loss, Sgd& optimizer,
                              const LrSchedule& schedule, const data::DataLoader& train_loader,
                              const data::DataLoader& test_loader, const FitOptions& options,
                              const MessageSink& sink = print_to_stderr);

}  // namespace chase::train

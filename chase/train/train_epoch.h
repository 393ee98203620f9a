// One training epoch: for each batch, set the scheduled learning rate, run
// forward through every exit and backward through the loss, take an SGD step;
// keep running loss and per-exit accuracy, and report a progress line every
// few steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chase/multi_exit_model.h"
#include "chase/train/device.h"
#include "chase/train/multi_exit_loss.h"
#include "chase/train/progress.h"
#include "data/loader.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"

namespace chase::train {

struct EpochPlan {
  std::int64_t epoch = 1;  // 1-based, for messages
  std::int64_t epochs = 1;
  std::int64_t first_step = 0;  // global step (the schedule's clock) of the first batch
  std::int64_t log_every = 50;  // steps between progress lines
};

struct EpochResult {
  double loss = 0, accuracy = 0;     // running means over the epoch; accuracy of the last exit
  std::vector<double> exit_accuracy{};  // every exit's, in exit order
  double seconds = 0, images_per_s = 0;
  double data_wait_fraction = 0;  // share of `seconds` spent waiting for batches
  double last_lr = 0;
  std::int64_t steps = 0;
};

// Called with each progress line (the trainer prints it and logs it).
using ProgressSink = std::function<void(const std::string& line)>;

// Trains `model` (put in training mode) on `loss` over every batch of
// `loader`'s epoch plan.epoch - 1, each uploaded to the model's device by
// `uploader`. Throws chase::Error naming the epoch and step when the loss is
// not finite, before that step's update touches the weights.
EpochResult train_epoch(MultiExitModel& model, const LossFunction& loss, Sgd& optimizer,
                        const LrSchedule& schedule, const data::DataLoader& loader,
                        BatchUploader& uploader, const EpochPlan& plan,
                        const ProgressSink& progress_sink);

}  // namespace chase::train

// `chase train`: builds the data loaders, the model, SGD and the learning-rate
// schedule from a TrainConfig, then alternates a training epoch
// (train_epoch.h) with an evaluation on the test set (evaluate.h), recording
// each epoch in OUT/metrics.jsonl and OUT/train.log (metrics_log.h) and
// checkpointing it (run_checkpoint.h). With config.resume it first restores
// the latest checkpoint and continues exactly where the run stopped.
// With --device cuda the model (and so the optimizer's state) lives on the GPU
// and each batch is uploaded before its step (device.h); the metrics are the
// same numbers either way.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "examples/dataset_recipe.h"
#include "examples/metrics_log.h"
#include "examples/train_config.h"

namespace chase::train {

// Where the progress and epoch lines go (also written to train.log).
using MessageSink = std::function<void(const std::string& line)>;
void print_to_stderr(const std::string& line);

// The run on config.dataset, loaded from config.data_dir. Returns the metrics
// of every epoch of the run (those before a resume included). Throws
// chase::Error on invalid settings, unreadable data, a non-finite loss, or
// an OUT folder that already holds a run when config.resume is off.
std::vector<EpochMetrics> run_training(const TrainConfig& config, const MessageSink& print);

// The same on data the caller provides (a subset, synthetic images).
std::vector<EpochMetrics> run_training(const TrainConfig& config, const DatasetRecipe& data,
                                       const MessageSink& print);

}  // namespace chase::train

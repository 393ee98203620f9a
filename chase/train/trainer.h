// `chase train` as a library call: builds the data loaders, the model (by
// name, chase/models/registry.h), SGD, the learning-rate schedule and the
// multi-exit loss from a TrainConfig, holds out the validation split
// (--val-size, recorded in OUT/val_indices.json), then trains with fit()
// (fit.h), which records each epoch in OUT/metrics.jsonl and OUT/train.log
// and checkpoints it. With config.resume it continues the run in OUT exactly
// where it stopped. With --device cuda the model (and so the optimizer's
// state) lives on the GPU and each batch is uploaded before its step; the
// metrics are the same numbers either way.
#pragma once

#include <vector>

#include "chase/train/dataset_recipe.h"
#include "chase/train/fit.h"
#include "chase/train/metrics_log.h"
#include "chase/train/train_config.h"

namespace chase::train {

// The run on config.dataset, loaded from config.data_dir. Returns the metrics
// of every epoch of the run (those before a resume included). Throws
// chase::Error on invalid settings, unreadable data, a non-finite loss, or
// an OUT folder that already holds a run when config.resume is off; every
// refusal before training starts leaves OUT as it was.
std::vector<EpochMetrics> run_training(const TrainConfig& config, const MessageSink& print);

// The same on data the caller provides (a subset, synthetic images). In
// both, config.random_erasing > 0 appends random erasing to the training
// transforms (with_random_erasing, dataset_recipe.h).
std::vector<EpochMetrics> run_training(const TrainConfig& config, const DatasetRecipe& data,
                                       const MessageSink& print);

}  // namespace chase::train

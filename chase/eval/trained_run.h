// A training run opened for evaluation: the run folder `chase train --out`
// wrote, its recipe, the model rebuilt and loaded from a checkpoint, and the
// test set and recorded validation hold-out it is evaluated on.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "chase/multi_exit_model.h"
#include "chase/train/dataset_recipe.h"
#include "chase/train/device.h"
#include "chase/train/run_checkpoint.h"

namespace chase::eval {

struct TrainedRunOptions {
  std::filesystem::path run_dir{};
  std::filesystem::path checkpoint{};  // model weights; empty: the run's latest
  std::filesystem::path data_dir{};    // empty: the dataset's default folder
  std::string device = "cpu";
};

struct TrainedRun {
  std::filesystem::path run_dir, checkpoint;
  // What identifies the weights: their file's path, size and modification time.
  std::string checkpoint_key;
  train::RunRecipe recipe;
  std::string model_name, dataset;
  std::shared_ptr<MultiExitModel> model;  // on `device`, in evaluation mode
  train::DatasetRecipe data;
  // The recorded hold-out (OUT/val_indices.json); null for a run without one.
  std::shared_ptr<const data::Dataset> validation;
  Device device = Device::cpu();
};

// Throws chase::Error naming what is missing or wrong: a folder without a run,
// a checkpoint file that does not exist or holds another model's weights, a
// validation record of another dataset.
TrainedRun open_trained_run(const TrainedRunOptions& options);
// The same over data the caller loaded (options.data_dir unused): a subset,
// synthetic images; the run's validation indices must fit its training set.
TrainedRun open_trained_run(const TrainedRunOptions& options, train::DatasetRecipe data);

}  // namespace chase::eval

// The checkpoints of a `chase train` run, one folder per finished epoch:
//   OUT/checkpoints/epoch-0003/model.safetensors           weights (nn/checkpoint.h)
//   OUT/checkpoints/epoch-0003/training_state.safetensors  momentum, step, RNG states
//   OUT/checkpoints/epoch-0003/run.json                    the recipe and the metrics so far
//   OUT/checkpoints/latest                                 "epoch-0003"
// `latest` is replaced (written aside, renamed) only once its folder is
// complete, and older folders are removed after that, so a crash at any
// moment leaves `latest` naming a complete checkpoint.
#pragma once

#include <filesystem>
#include <vector>

#include "examples/metrics_log.h"
#include "examples/train_config.h"
#include "nn/checkpoint.h"

namespace chase::train {

// Whether `out_dir` holds a checkpoint to resume from.
bool has_run_checkpoint(const std::filesystem::path& out_dir);

// Saves the state after epoch state.epoch, with `config`'s recipe and the
// metrics of every finished epoch.
void save_run_checkpoint(const std::filesystem::path& out_dir, const Module& model,
                         const Sgd& optimizer, const TrainingState& state,
                         const TrainConfig& config, const std::vector<EpochMetrics>& history);

struct ResumedRun {
  TrainingState state;
  std::vector<EpochMetrics> history;
};

// Restores `model` and `optimizer` from the latest checkpoint in `out_dir`.
// The recipe (dataset, model, epochs, batch size, optimiser settings, seed)
// must be the checkpoint's, or the resumed run would not be the run that was
// interrupted: a difference throws chase::Error listing each option with both
// values. Missing or corrupt files throw chase::Error naming them.
ResumedRun load_run_checkpoint(const std::filesystem::path& out_dir, const TrainConfig& config,
                               Module& model, Sgd& optimizer);

}  // namespace chase::train

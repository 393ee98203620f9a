// The checkpoints of a training run, one folder per finished epoch:
//   OUT/checkpoints/epoch-0003/model.safetensors           weights (nn/checkpoint.h)
//   OUT/checkpoints/epoch-0003/training_state.safetensors  momentum, step, RNG states
//   OUT/checkpoints/epoch-0003/run.json                    the recipe and the metrics so far
//   OUT/checkpoints/latest                                 "epoch-0003"
// `latest` is replaced (written aside, renamed) only once its folder is
// complete, and older folders are removed after that, so a crash at any
// moment leaves `latest` naming a complete checkpoint.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "chase/train/metrics_log.h"
#include "nn/checkpoint.h"

namespace chase::train {

// What defines a run, by option name as on the command line without its
// dashes ({"lr": 0.05, "model": "small-cnn", ...}): a resumed run must have
// the same, or it would not be the run that was interrupted. Anything else
// (device, threads, workers, data folder, logging) may change between
// sessions: checkpoints load onto either device.
using RunRecipe = nlohmann::ordered_json;

// Whether `out_dir` holds a checkpoint to resume from.
bool has_run_checkpoint(const std::filesystem::path& out_dir);

// Saves the state after epoch state.epoch, with the run's recipe and the
// metrics of every finished epoch.
void save_run_checkpoint(const std::filesystem::path& out_dir, const Module& model,
                         const Sgd& optimizer, const TrainingState& state, const RunRecipe& recipe,
                         const std::vector<EpochMetrics>& history);

// The latest checkpoint of the run in `out_dir`: its folder, its recipe and the
// metrics of every epoch up to it. Throws chase::Error naming the file that is
// missing or malformed.
struct RunRecord {
  std::filesystem::path folder;  // OUT/checkpoints/epoch-NNNN
  RunRecipe recipe;
  std::vector<EpochMetrics> history;
};
RunRecord latest_run_record(const std::filesystem::path& out_dir);

struct ResumedRun {
  TrainingState state;
  std::vector<EpochMetrics> history;
};

// Restores `model` and `optimizer` from the latest checkpoint in `out_dir`.
// `recipe` must be the checkpoint's: a difference throws chase::Error listing
// each option with both values. Missing or corrupt files throw chase::Error
// naming them; weights of another architecture throw naming the first
// parameter that differs. Nothing is changed on error.
ResumedRun load_run_checkpoint(const std::filesystem::path& out_dir, const RunRecipe& recipe,
                               Module& model, Sgd& optimizer);

}  // namespace chase::train

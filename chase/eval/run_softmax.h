// Every exit's softmax on a trained run's test set and validation hold-out,
// computed once per checkpoint and cached in the run folder:
//   RUN/eval/softmax-<key>.safetensors   <key>: a digest of the checkpoint's path,
//                                        size and modification time
// so that re-evaluating (other budgets, other conventions, plots) costs no pass
// over the data, and retrained weights are never read from a stale cache.
#pragma once

#include <filesystem>
#include <optional>

#include "chase/eval/exit_softmax.h"
#include "chase/eval/trained_run.h"

namespace chase::eval {

struct RunSoftmax {
  ExitSoftmax test;
  std::optional<ExitSoftmax> validation;  // where the run held out images
  std::filesystem::path cache;            // the file they are cached in
  bool from_cache = false;
};

// Reads the cache of run.checkpoint_key when it is there, else computes both sets
// (`workers` data-loading threads) and writes it.
RunSoftmax run_softmax(TrainedRun& run, int workers = 2);

// The validation softmax budgeted evaluation fits its thresholds on. A run
// without a hold-out throws chase::Error saying how to train one: thresholds
// are never fitted on the test set.
const ExitSoftmax& validation_for_thresholds(const RunSoftmax& softmax, const TrainedRun& run);

}  // namespace chase::eval

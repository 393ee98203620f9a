// True early exit (chase predict): each image stops at the first exit whose
// confidence, its largest softmax probability, reaches that exit's threshold;
// the last exit takes every image left. The network runs exit by exit
// (MultiExitModel::exit_stages) and the images that have left are dropped from
// the batch before the next stage, so nothing of the later exits is computed for
// them: unlike budgeted evaluation (budgeted.h), which computes every exit and
// only counts FLOPs, this saves the time it claims.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "chase/multi_exit_model.h"
#include "chase/train/device.h"
#include "data/loader.h"

namespace chase::eval {

struct EarlyExitResult {
  std::vector<std::int64_t> predicted;     // [image]: the class of the exit taken
  std::vector<std::int64_t> exit_taken;    // [image]: 0-based
  std::vector<float> confidence;           // [image]: at the exit taken
  std::vector<std::int64_t> stage_images;  // [exit]: images its stage ran on, in all
  std::int64_t executed_macs = 0;  // the multiply-adds of every call made (when measured)
  double seconds = 0;              // wall time of the network and the decisions
};

// One batch, images [N, C, H, W] on the model's device, in evaluation mode
// without a graph. `thresholds` holds one per exit (the last one unused). With
// `measure_macs`, every module call is priced by the FLOPs counter's rules
// (chase/flops/flops_counter.h) and summed into executed_macs.
EarlyExitResult predict_early_exit(MultiExitModel& model, const Tensor& images,
                                   std::span<const float> thresholds, bool measure_macs = false);

// Every image of `loader`'s epoch 0 (unshuffled), batch after batch.
EarlyExitResult predict_early_exit(MultiExitModel& model, const data::DataLoader& loader,
                                   train::BatchUploader& uploader,
                                   std::span<const float> thresholds, bool measure_macs = false);

}  // namespace chase::eval

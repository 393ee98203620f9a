// Evaluation of a classifier over a whole data set: mean cross-entropy and
// top-1 accuracy, in evaluation mode (BatchNorm with running statistics, no
// dropout) and without recording a graph.
#pragma once

#include <cstdint>

#include "data/loader.h"
#include "examples/device.h"
#include "nn/module.h"

namespace chase::train {

// How many rows of logits [N, classes] have their largest value at labels[n] (i64 [N]).
std::int64_t count_correct(const Tensor& logits, const Tensor& labels);

struct EvalResult {
  double loss = 0;      // mean cross-entropy per image
  double accuracy = 0;  // fraction in [0, 1]
  std::int64_t images = 0;
};

// One pass over `loader`'s epoch 0 (an unshuffled loader sees every image once),
// each batch uploaded to the model's device by `uploader`. The model's
// training mode is restored afterwards.
EvalResult evaluate(Module& model, const data::DataLoader& loader, BatchUploader& uploader);

}  // namespace chase::train

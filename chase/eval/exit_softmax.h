// Every exit's softmax over a data set: what the anytime and budgeted
// evaluations read. Computed once per checkpoint (in evaluation mode, without a
// graph) and kept as f32 probabilities, the precision the network computes in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chase/eval/budgeted.h"
#include "chase/multi_exit_model.h"
#include "chase/train/device.h"
#include "data/loader.h"
#include "nn/safetensors.h"

namespace chase::eval {

struct ExitSoftmax {
  std::int64_t classes = 0;
  std::vector<std::vector<float>> probabilities;  // [exit][image * classes + class]
  std::vector<std::int64_t> labels;               // [image]

  std::int64_t exit_count() const { return static_cast<std::int64_t>(probabilities.size()); }
  std::int64_t image_count() const { return static_cast<std::int64_t>(labels.size()); }
};

// One pass over `loader`'s epoch 0 (unshuffled: every image once, in order).
// Throws chase::Error when the loader delivers no image or an exit's output is
// not finite (a diverged model), naming the exit.
ExitSoftmax exit_softmax(MultiExitModel& model, const data::DataLoader& loader,
                         train::BatchUploader& uploader);

// Each exit's largest probability and its class (the first of equal ones).
ExitPredictions exit_predictions(const ExitSoftmax& softmax);

// The fraction of images whose label is among exit `exit`'s (0-based) k most
// probable classes (ties counted in the label's favour, as train/evaluate.h).
double top_k_accuracy(const ExitSoftmax& softmax, std::int64_t exit, std::int64_t k);

// As safetensors tensors "<prefix>probabilities" (f32 [exits, images, classes])
// and "<prefix>labels" (i64 [images]), and back; reading checks the shapes and
// throws chase::Error naming `what` on anything missing or inconsistent.
void add_exit_softmax(TensorMap& tensors, const std::string& prefix, const ExitSoftmax& softmax);
ExitSoftmax read_exit_softmax(const TensorMap& tensors, const std::string& prefix,
                              const std::string& what);

}  // namespace chase::eval

// Evaluation of a multi-exit classifier over a whole data set: every exit's
// mean cross-entropy and top-1 accuracy (top-5 too where there are 100 or
// more classes), in evaluation mode (BatchNorm with running statistics, no
// dropout) and without recording a graph.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "chase/multi_exit_model.h"
#include "chase/train/device.h"
#include "data/loader.h"

namespace chase::train {

// Top-5 accuracy is reported for classifiers of at least this many classes
// (CIFAR-100, ImageNet), where top-1 alone says little.
constexpr std::int64_t kTop5MinClasses = 100;

// How many rows of logits [N, classes] have their largest value at labels[n] (i64 [N]).
std::int64_t count_correct(const Tensor& logits, const Tensor& labels);
// How many rows have labels[n] among their k largest logits: fewer than k
// classes score strictly higher than it (a tie counts in the label's favour).
std::int64_t count_top_k(const Tensor& logits, const Tensor& labels, std::int64_t k);

struct ExitEval {
  double loss = 0;  // mean cross-entropy per image (no label smoothing)
  double top1 = 0;  // fraction in [0, 1]
  std::optional<double> top5{};  // where the logits have >= kTop5MinClasses classes
};

struct EvalResult {
  std::vector<ExitEval> exits;  // in exit order
  std::int64_t images = 0;
  // The last exit: the model used as a plain classifier.
  double loss() const { return exits.back().loss; }
  double accuracy() const { return exits.back().top1; }
};

// One pass over `loader`'s epoch 0 (an unshuffled loader sees every image once),
// each batch uploaded to the model's device by `uploader`. The model's
// training mode is restored afterwards.
EvalResult evaluate(MultiExitModel& model, const data::DataLoader& loader,
                    BatchUploader& uploader);

}  // namespace chase::train

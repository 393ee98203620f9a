// The training loss of a multi-exit model (paper Eq. 5): the sum over exits of
// each exit's cross-entropy, each the mean over the batch,
//   L = sum_k w_k * mean_n CE(logits_k[n], label[n]),
// with equal weights (w_k = 1) by default, as the paper and MSDNet train. For a
// one-exit model it is the plain cross-entropy, to the bit.
#pragma once

#include <functional>
#include <vector>

#include "autograd/variable.h"

namespace chase::train {

struct MultiExitLossOptions {
  std::vector<double> exit_weights{};  // w_k, one per exit, finite and >= 0; empty: all 1
  double label_smoothing = 0.0;      // in [0, 1], at every exit (nn/loss.h)
};

class MultiExitLoss {
 public:
  // Throws chase::Error naming the bad weight or smoothing.
  explicit MultiExitLoss(MultiExitLossOptions options = {});

  // exit_logits: one [N, classes] per exit, in exit order; labels: i64 [N].
  // Throws chase::Error when the weights are not one per exit.
  Variable operator()(const std::vector<Variable>& exit_logits, const Tensor& labels) const;

  const MultiExitLossOptions& options() const { return options_; }

 private:
  MultiExitLossOptions options_;
};

// What the trainer minimises: a scalar from every exit's logits and the labels.
// A MultiExitLoss is one; a user may pass any other.
using LossFunction =
    std::function<Variable(const std::vector<Variable>& exit_logits, const Tensor& labels)>;

}  // namespace chase::train

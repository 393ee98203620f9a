#include "chase/train/multi_exit_loss.h"

#include <cmath>
#include <optional>

#include "autograd/functions.h"
#include "nn/loss.h"
#include "tensor/error.h"

namespace chase::train {

MultiExitLoss::MultiExitLoss(MultiExitLossOptions options) : options_(std::move(options)) {
  for (std::size_t k = 0; k < options_.exit_weights.size(); ++k) {
    const double weight = options_.exit_weights[k];
    CHASE_CHECK(std::isfinite(weight) && weight >= 0.0,
                "multi-exit loss: exit {}'s weight must be finite and non-negative, got {}",
                k + 1, weight);
  }
  CHASE_CHECK(options_.label_smoothing >= 0.0 && options_.label_smoothing <= 1.0,
              "multi-exit loss: label smoothing must lie in [0, 1], got {}",
              options_.label_smoothing);
}

Variable MultiExitLoss::operator()(const std::vector<Variable>& exit_logits,
                                   const Tensor& labels) const {
  const auto& weights = options_.exit_weights;
  CHASE_CHECK(!exit_logits.empty(), "multi-exit loss: the model returned no exits");
  CHASE_CHECK(weights.empty() || weights.size() == exit_logits.size(),
              "multi-exit loss: {} exit weights for a model with {} exits", weights.size(),
              exit_logits.size());
  std::optional<Variable> total;
  for (std::size_t k = 0; k < exit_logits.size(); ++k) {
    Variable term =
        cross_entropy(exit_logits[k], labels, {.label_smoothing = options_.label_smoothing});
    // A weight of 1 multiplies nothing, so a one-exit model's loss (and gradient)
    // is the cross-entropy's to the bit.
    if (!weights.empty() && weights[k] != 1.0) term = mul(term, weights[k]);
    total = total ? add(*total, term) : term;
  }
  return *total;
}

}  // namespace chase::train

#include "nn/loss.h"

#include "autograd/functions.h"

namespace chase {

Variable cross_entropy(const Variable& logits, const Tensor& target,
                       const CrossEntropyOptions& options) {
  const double label_smoothing = options.label_smoothing;
  CHASE_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
              "cross_entropy: label_smoothing must be in [0, 1], got {}", label_smoothing);
  // autograd's cross_entropy checks the logits' and target's shapes and ranges.
  Variable nll = cross_entropy(logits, target);
  if (label_smoothing == 0.0) return nll;
  // The uniform part: -log p averaged over classes and batch in one mean.
  Variable uniform_part = neg(mean(log_softmax(logits, 1)));
  return add(mul(nll, 1.0 - label_smoothing), mul(uniform_part, label_smoothing));
}

}  // namespace chase

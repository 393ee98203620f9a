// Losses over Variables.
#pragma once

#include "autograd/variable.h"

namespace chase {

struct CrossEntropyOptions {
  // eps in [0, 1] (Szegedy et al. 2016): the target distribution becomes
  // (1 - eps) one_hot + eps / C. 0 is the plain cross-entropy, to the bit.
  double label_smoothing = 0.0;
};

// Cross-entropy of logits [N, C] against class indices target (i64) [N], mean
// over the batch, as torch.nn.functional.cross_entropy. With label smoothing
// eps the loss is
//   (1 - eps) * mean_n(-log p[n, target[n]]) + eps * mean_n(mean_c(-log p[n, c])).
// Built on log_softmax, so it is stable for any logit magnitude. The loss a
// model trains on; autograd's cross_entropy(logits, target) is the op beneath.
Variable cross_entropy(const Variable& logits, const Tensor& target,
                       const CrossEntropyOptions& options);

}  // namespace chase

// Losses over Variables.
#pragma once

#include "autograd/variable.h"

namespace chase {

// Cross-entropy of logits [N, C] against class indices target (i64) [N], mean
// over the batch, as torch.nn.functional.cross_entropy. With label smoothing
// eps (Szegedy et al. 2016) the target distribution is (1 - eps) one_hot + eps / C,
// so the loss is
//   (1 - eps) * mean_n(-log p[n, target[n]]) + eps * mean_n(mean_c(-log p[n, c])).
// Built on log_softmax, so it is stable for any logit magnitude.
Variable cross_entropy(const Variable& logits, const Tensor& target, double label_smoothing);

}  // namespace chase

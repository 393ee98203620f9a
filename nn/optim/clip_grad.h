// Gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ (1.13, L2 norm).
#pragma once

#include <vector>

#include "autograd/variable.h"

namespace chase {

// The L2 norm of all gradients together (parameters without a gradient count
// as zero). Every gradient is scaled by max_norm / (norm + 1e-6) when that
// factor is below 1, exactly as PyTorch. Returns the norm before clipping;
// a non-finite norm (NaN or inf in a gradient) is returned without scaling, for
// the caller to report.
double clip_grad_norm(const std::vector<Variable>& parameters, double max_norm);

}  // namespace chase

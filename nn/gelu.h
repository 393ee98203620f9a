// GELU, exact (erf) form as torch.nn.GELU(approximate="none"):
// x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). No parameters.
#pragma once

#include "autograd/functions.h"
#include "nn/module.h"

namespace chase {

class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  Variable forward(const Variable& x) override { return gelu(x); }
};

}  // namespace chase

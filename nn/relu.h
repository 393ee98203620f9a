// ReLU: max(x, 0) elementwise, as torch.nn.ReLU. No parameters.
#pragma once

#include "autograd/functions.h"
#include "nn/module.h"

namespace chase {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Variable forward(const Variable& x) override { return relu(x); }
};

}  // namespace chase

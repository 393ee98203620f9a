// Sigmoid: 1 / (1 + exp(-x)) elementwise, as torch.nn.Sigmoid. No parameters.
#pragma once

#include "autograd/functions.h"
#include "nn/module.h"

namespace chase {

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Variable forward(const Variable& x) override { return sigmoid(x); }
};

}  // namespace chase

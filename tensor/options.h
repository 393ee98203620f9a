// Hyper-parameters of the spatial ops, shared by ops.h and the kernels.
#pragma once

#include <array>
#include <cstdint>

namespace chase {

using Pair = std::array<std::int64_t, 2>;  // {height, width}

struct Conv2dOptions {
  Pair stride{1, 1};
  Pair padding{0, 0};
  Pair dilation{1, 1};
  std::int64_t groups = 1;
};

struct Pool2dOptions {
  Pair kernel{2, 2};
  Pair stride{2, 2};
  Pair padding{0, 0};
  bool count_include_pad = true;  // avg pooling: divide by the full window, as PyTorch's default
};

// One SGD update (tensor/sgd_rule.h has the rule).
struct SgdStepOptions {
  double lr = 0.0;
  double momentum = 0.0;  // 0: plain SGD, no buffer
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

}  // namespace chase

// PyTorch's default initialisations (torch/nn/modules/*.py, reset_parameters),
// drawn from a seeded Generator so that a model is reproducible from its seed.
#pragma once

#include "tensor/ops.h"

namespace chase {

// Linear and Conv2d weights: kaiming_uniform_(w, a = sqrt(5)), i.e. gain
// sqrt(2 / (1 + a^2)) = 1/sqrt(3), which makes the bound 1/sqrt(fan_in):
// w ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels/groups * kh * kw.
Tensor default_weight(const Shape& shape, Generator& gen);

// Linear and Conv2d biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan_in.
Tensor default_bias(std::int64_t size, std::int64_t fan_in, Generator& gen);

// xavier_uniform_ (Glorot & Bengio 2010): U(-b, b) with b = sqrt(6 / (fan_in + fan_out)),
// fan_in = dim 1 and fan_out = dim 0 of a 2-d weight (MultiheadAttention's in_proj_weight).
Tensor xavier_uniform(const Shape& shape, Generator& gen);

}  // namespace chase

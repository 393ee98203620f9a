#include "nn/init.h"

#include <cmath>

namespace chase {

Tensor default_weight(const Shape& shape, Generator& gen) {
  auto weight = Tensor::empty(shape);
  kaiming_uniform_(weight, gen, /*gain=*/1.0 / std::sqrt(3.0));
  return weight;
}

Tensor default_bias(std::int64_t size, std::int64_t fan_in, Generator& gen) {
  CHASE_CHECK(fan_in > 0, "default_bias: fan_in must be positive, got {}", fan_in);
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return uniform({size}, -bound, bound, gen);
}

Tensor xavier_uniform(const Shape& shape, Generator& gen) {
  CHASE_CHECK(shape.size() == 2, "xavier_uniform: expected a 2-d shape, got {}", to_string(shape));
  double bound = std::sqrt(6.0 / static_cast<double>(shape[0] + shape[1]));
  return uniform(shape, -bound, bound, gen);
}

}  // namespace chase

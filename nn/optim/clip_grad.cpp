#include "nn/optim/clip_grad.h"

#include <cmath>

#include "tensor/ops.h"

namespace chase {

double clip_grad_norm(const std::vector<Variable>& parameters, double max_norm) {
  CHASE_CHECK(max_norm > 0.0, "clip_grad_norm: max_norm must be positive, got {}", max_norm);
  double squared_sum = 0.0;
  for (const auto& p : parameters) {
    if (!p.has_grad()) continue;
    const Tensor& g = p.grad();
    squared_sum += sum(mul(g, g)).item();
  }
  const double total = std::sqrt(squared_sum);
  const double scale = max_norm / (total + 1e-6);
  if (!std::isfinite(total) || scale >= 1.0) return total;
  for (const auto& p : parameters) {
    if (!p.has_grad()) continue;
    // Rebind instead of scaling in place: the engine may have handed one
    // gradient tensor to several leaves (the two inputs of an add), and an
    // in-place write would scale the others twice.
    p.impl()->grad = mul(p.grad(), scale);
  }
  return total;
}

}  // namespace chase

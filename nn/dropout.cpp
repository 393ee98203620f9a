#include "nn/dropout.h"

#include "autograd/functions.h"
#include "tensor/ops.h"

namespace chase {

Dropout::Dropout(double p, std::shared_ptr<Generator> gen)
    : Module("Dropout"), p_(p), gen_(std::move(gen)) {
  CHASE_CHECK(p >= 0.0 && p <= 1.0, "Dropout: p must be in [0, 1], got {}", p);
  CHASE_CHECK(gen_ != nullptr, "Dropout: null generator");
}

Variable Dropout::forward(const Variable& x) {
  CHASE_CHECK(x.defined(), "Dropout: undefined input");
  if (!is_training() || p_ == 0.0) return x;
  if (p_ == 1.0) return mul(x, 0.0);
  // keep = 1 where u < 1 - p (probability 1 - p), scaled so that E[output] = x.
  Tensor u = uniform(x.shape(), 0.0, 1.0, *gen_, x.dtype(), x.device());
  Tensor scaled_keep = mul(lt(u, 1.0 - p_), 1.0 / (1.0 - p_));
  return mul(x, Variable(scaled_keep));
}

}  // namespace chase

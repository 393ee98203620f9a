// Softmax, log-softmax and cross-entropy. Backward works from the forward's
// output y, which is saved instead of x:
//   softmax:     grad_x = y * (g - sum(g * y))
//   log_softmax: grad_x = g - exp(y) * sum(g)
// Cross-entropy is log_softmax followed by gather, so it inherits log_softmax's
// stability (no exp of large logits, no log of a rounded-to-zero probability).
#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {
using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;
}  // namespace

Variable softmax(const Variable& x, std::int64_t dim) {
  Tensor y = softmax(value_of(x, "softmax"), dim);
  return record("softmax", y, {x}, [y, dim](const Tensor& g, const Needs&) {
    return Grads{softmax_backward(g, y, dim)};
  });
}

Variable log_softmax(const Variable& x, std::int64_t dim) {
  Tensor y = log_softmax(value_of(x, "log_softmax"), dim);
  return record("log_softmax", y, {x}, [y, dim](const Tensor& g, const Needs&) {
    return Grads{log_softmax_backward(g, y, dim)};
  });
}

Variable cross_entropy(const Variable& logits, const Tensor& target) {
  const Tensor& lv = value_of(logits, "cross_entropy");
  CHASE_CHECK(lv.dim() == 2, "cross_entropy: expected logits [N, C], got {}",
              to_string(lv.shape()));
  CHASE_CHECK(target.defined() && target.dtype() == DType::i64 &&
                  target.shape() == Shape{lv.size(0)},
              "cross_entropy: expected target i64 [{}] for logits {}, got {}", lv.size(0),
              to_string(lv.shape()),
              target.defined() ? fmt::format("{} {}", name(target.dtype()), to_string(target.shape()))
                               : "an undefined tensor");
  CHASE_CHECK(lv.size(0) > 0, "cross_entropy: empty batch (logits {})", to_string(lv.shape()));
  auto classes = lv.size(1);
  auto labels = target.to_vector();
  for (std::size_t n = 0; n < labels.size(); ++n)
    CHASE_CHECK(labels[n] >= 0 && labels[n] < static_cast<double>(classes),
                "cross_entropy: target[{}] = {} is not a class index in [0, {})", n, labels[n],
                classes);

  Variable log_probs = log_softmax(logits, 1);
  Variable picked = gather(log_probs, 1, target.view({lv.size(0), 1}));
  return neg(mean(picked));
}

}  // namespace chase

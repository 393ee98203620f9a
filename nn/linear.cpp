#include "nn/linear.h"

#include "autograd/functions.h"
#include "nn/init.h"
#include "nn/input_checks.h"

namespace chase {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen, bool bias)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  CHASE_CHECK(in_features > 0 && out_features > 0,
              "Linear: in_features and out_features must be positive, got {} and {}",
              in_features, out_features);
  weight_ = register_parameter("weight", default_weight({out_features, in_features}, gen));
  if (bias) bias_ = register_parameter("bias", default_bias(out_features, in_features, gen));
}

Variable Linear::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() >= 1 && x.size(-1) == in_features_,
              "Linear: expected input [*, {}], got {}", in_features_, shape_or_undefined(x));
  // Leading dims are folded into one batch dim so that one 2-d GEMM does the work.
  Shape out_shape = x.shape();
  out_shape.back() = out_features_;
  Variable rows = reshape(x, {-1, in_features_});
  Variable y = matmul(rows, transpose(weight_, 0, 1));  // [M, in] @ [in, out]
  if (bias_.defined()) y = add(y, bias_);
  return reshape(y, out_shape);
}

}  // namespace chase

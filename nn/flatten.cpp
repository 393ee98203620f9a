#include "nn/flatten.h"

#include "autograd/functions.h"

namespace chase {

Flatten::Flatten(std::int64_t start_dim, std::int64_t end_dim)
    : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}

Variable Flatten::forward(const Variable& x) {
  CHASE_CHECK(x.defined(), "Flatten: undefined input");
  // flatten checks the dims against x's rank and names itself in the error.
  return flatten(x, start_dim_, end_dim_);
}

}  // namespace chase

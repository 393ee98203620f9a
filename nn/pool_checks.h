// Constructor checks shared by the pooling layers, so that a bad configuration
// fails where the model is built rather than at its first forward.
#pragma once

#include "tensor/error.h"
#include "tensor/options.h"

namespace chase {

// Positive kernel and stride; padding between 0 and half the kernel (as PyTorch).
inline void check_pool_options(const Pool2dOptions& options, const char* layer) {
  const auto [kh, kw] = options.kernel;
  const auto [sh, sw] = options.stride;
  const auto [ph, pw] = options.padding;
  CHASE_CHECK(kh >= 1 && kw >= 1, "{}: kernel must be positive, got [{}, {}]", layer, kh, kw);
  CHASE_CHECK(sh >= 1 && sw >= 1, "{}: stride must be positive, got [{}, {}]", layer, sh, sw);
  CHASE_CHECK(ph >= 0 && pw >= 0 && 2 * ph <= kh && 2 * pw <= kw,
              "{}: padding must be between 0 and half the kernel [{}, {}], got [{}, {}]", layer,
              kh, kw, ph, pw);
}

}  // namespace chase

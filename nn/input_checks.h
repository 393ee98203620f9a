// What the layers' forward() checks share: errors name the layer and show the
// shape it was given, or that the input is undefined.
#pragma once

#include <string>

#include "autograd/variable.h"
#include "tensor/error.h"

namespace chase {

// The input as an error message shows it: its shape, or "an undefined Variable".
inline std::string shape_or_undefined(const Variable& x) {
  return x.defined() ? to_string(x.shape()) : "an undefined Variable";
}

// x [N, C, H, W] with any C: the input of the pooling layers.
inline void check_nchw_input(const Variable& x, const char* layer) {
  CHASE_CHECK(x.defined() && x.dim() == 4, "{}: expected input [N, C, H, W], got {}", layer,
              shape_or_undefined(x));
}

}  // namespace chase

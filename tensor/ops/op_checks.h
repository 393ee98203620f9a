// Argument checks shared by the ops: each error names the op and the argument,
// and shows what was expected next to what came.
#pragma once

#include "tensor/tensor.h"

namespace chase {

// t is defined and holds f32 or f64.
inline void check_floating(const Tensor& t, const char* op, const char* arg) {
  CHASE_CHECK(t.defined(), "{}: {} is an undefined tensor", op, arg);
  CHASE_CHECK(is_floating(t.dtype()), "{}: {} must be f32 or f64, got {}", op, arg,
              name(t.dtype()));
}

// t is defined, with the dtype and device of `like`.
inline void check_matches(const Tensor& t, const char* arg, const Tensor& like,
                          const char* like_arg, const char* op) {
  CHASE_CHECK(t.defined(), "{}: {} is an undefined tensor", op, arg);
  CHASE_CHECK(t.dtype() == like.dtype(), "{}: {} is {} but {} is {}", op, arg, name(t.dtype()),
              like_arg, name(like.dtype()));
  CHASE_CHECK(t.device() == like.device(), "{}: {} is on {} but {} is on {}", op, arg,
              t.device().str(), like_arg, like.device().str());
}

inline void check_shape(const Tensor& t, const Shape& expected, const char* op, const char* arg) {
  CHASE_CHECK(t.shape() == expected, "{}: {} must have shape {}, got {}", op, arg,
              to_string(expected), to_string(t.shape()));
}

// The contiguous form of an optional tensor: undefined stays undefined.
inline Tensor contiguous_or_undefined(const Tensor& t) {
  return t.defined() ? t.contiguous() : t;
}

}  // namespace chase

// The SGD update of one parameter element, written once for both backends
// (cpu/ref loops over it, cuda/ runs it per thread). It is torch.optim.SGD's
// rule (1.13), for parameter p, gradient g and momentum buffer b:
//   d = g + weight_decay * p
//   b = d                                     (the buffer's first step)
//   b = momentum * b + (1 - dampening) * d    (later steps)
//   d = d + momentum * b  (nesterov)   or   d = b  (classical momentum)
//   p = p - lr * d
// Fused, a step reads p, g and b once and writes p and b once: five passes
// over the parameter's memory where the same rule in separate tensor ops
// makes about twenty, and one kernel launch instead of eight on the GPU.
#pragma once

#include <cmath>

#include "tensor/host_device.h"
#include "tensor/options.h"

namespace chase {

// The rule's constants in the parameter's precision. Each multiply-add is an
// explicit fma, rounded once: written out, compilers would contract some of
// them and not others depending on flags and target, and the CPU and GPU
// results would differ in the last bit.
template <class T>
struct SgdRule {
  T lr, momentum, keep, weight_decay;  // keep = 1 - dampening
  bool nesterov;
  bool has_buffer;  // false on the buffer's first step, and always without momentum
  bool uses_momentum;

  SgdRule(const SgdStepOptions& o, bool buffer_exists)
      : lr(T(o.lr)),
        momentum(T(o.momentum)),
        keep(T(1.0 - o.dampening)),
        weight_decay(T(o.weight_decay)),
        nesterov(o.nesterov),
        has_buffer(buffer_exists),
        uses_momentum(o.momentum != 0.0) {}

  // The new parameter; `buffer` is read (when has_buffer) and rewritten (when
  // uses_momentum).
  CHASE_HOST_DEVICE T update(T p, T g, T& buffer) const {
    // Skipped rather than multiplied by 0, which would turn an inf in p into NaN.
    T d = weight_decay != T(0) ? std::fma(weight_decay, p, g) : g;
    if (uses_momentum) {
      buffer = has_buffer ? std::fma(momentum, buffer, keep * d) : d;
      d = nesterov ? std::fma(momentum, buffer, d) : buffer;
    }
    return std::fma(-lr, d, p);
  }
};

}  // namespace chase

// gradcheck: compares the gradients autograd computes for any function of
// Variables with central differences, in f64, as full Jacobians both ways:
//   numerical  J[k][j] = (f(x + eps e_j)[k] - f(x - eps e_j)[k]) / (2 eps)
//   analytical J[k][j] = input j's gradient after a backward seeded with e_k
// An element passes when |analytical - numerical| <= atol + rtol |numerical|.
// Inputs that do not require grad must receive no gradient.
//
// The central difference's error is O(eps^2) from truncation plus about
// ulp(f) / eps from rounding, so eps = 1e-6 in f64 resolves gradients to ~1e-10.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace chase {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-8;
  double rtol = 1e-6;
};

struct InputCheck {
  std::int64_t input = 0;  // position in the inputs
  bool requires_grad = false;
  // Inputs that require grad: the worst element of the Jacobian. The relative
  // error is |a - n| / max(|a|, |n|), taken where that exceeds atol (below it
  // both are zero for the check).
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;
  // The element closest to failing: output element (flat) and input element
  // (flat and as a multi-index), with both Jacobian entries there.
  std::int64_t worst_output = 0;
  std::int64_t worst_element = 0;
  Shape worst_index;
  double analytical = 0.0;
  double numerical = 0.0;
  // Inputs that do not require grad: whether backward gave them a gradient (a failure).
  bool received_grad = false;
  bool passed = true;
};

struct GradcheckResult {
  bool passed = true;
  std::vector<InputCheck> inputs;
  double max_abs_error() const;
  double max_rel_error() const;
  std::string str() const;  // one line per input
};

using DifferentiableFn = std::function<Variable(const std::vector<Variable>&)>;

// inputs: f64 CPU Variables (any strides, but no overlapping elements such as
// expanded views, since each element is perturbed on its own). Their values are
// perturbed in place during the check and restored; their grads are reset.
GradcheckResult gradcheck(const DifferentiableFn& fn, const std::vector<Variable>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace chase

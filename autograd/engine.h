// The backward engine: runs the nodes reachable from an output in topological
// order (an iterative depth-first search, so deep graphs need no deep stack),
// sums the gradients of values used more than once, adds the results into the
// leaves' grad, and frees each node's saved tensors as soon as it has run
// unless the graph is retained.
#pragma once

#include "autograd/variable.h"

namespace chase {

// seed has output's shape and dtype (checked by Variable::backward).
void run_backward(const Variable& output, const Tensor& seed, const BackwardOptions& options);

}  // namespace chase

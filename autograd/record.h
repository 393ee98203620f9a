// The one place where an op's result joins the graph (used by the function
// files, not by users): when grad mode is on and an input requires grad, the
// result gets a node with the op's backward; otherwise it is a plain leaf and
// the backward closure, with the tensors it captured, is dropped at once.
#pragma once

#include <string>
#include <vector>

#include "autograd/variable.h"

namespace chase {

// inputs may contain undefined Variables (an absent bias): they get no gradient.
Variable record(std::string name, Tensor value, const std::vector<Variable>& inputs,
                BackwardFn backward);

// The value of an op's argument; throws naming the op when it is undefined.
const Tensor& value_of(const Variable& v, const char* op);

// The value of an optional argument (an absent bias): undefined stays undefined.
inline Tensor optional_value(const Variable& v) { return v.defined() ? v.value() : Tensor(); }

// A tensor captured for backward only when that gradient will be computed.
inline Tensor keep_if(bool needed, const Tensor& t) { return needed ? t : Tensor(); }

}  // namespace chase

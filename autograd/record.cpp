#include "autograd/record.h"

#include <algorithm>

#include "autograd/grad_mode.h"

namespace chase {

Variable record(std::string name, Tensor value, const std::vector<Variable>& inputs,
                BackwardFn backward) {
  bool any_requires_grad = std::any_of(inputs.begin(), inputs.end(),
                                       [](const Variable& v) { return v.requires_grad(); });
  if (!grad_mode_enabled() || !any_requires_grad) return Variable(std::move(value));

  std::vector<Edge> edges(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& input = inputs[i];
    if (!input.requires_grad()) continue;
    if (input.is_leaf()) edges[i].leaf = input.impl();
    else edges[i].node = input.grad_fn();
    edges[i].shape = input.shape();
    edges[i].dtype = input.dtype();
  }
  Variable result(std::move(value), true);
  result.impl()->grad_fn =
      std::make_shared<Node>(std::move(name), std::move(edges), std::move(backward));
  return result;
}

const Tensor& value_of(const Variable& v, const char* op) {
  CHASE_CHECK(v.defined(), "{}: undefined Variable argument", op);
  return v.value();
}

}  // namespace chase

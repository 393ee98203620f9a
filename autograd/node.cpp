#include "autograd/node.h"

#include "tensor/error.h"

namespace chase {

Node::Node(std::string name, std::vector<Edge> inputs, BackwardFn backward)
    : name_(std::move(name)), inputs_(std::move(inputs)), backward_(std::move(backward)) {
  needs_grad_.reserve(inputs_.size());
  for (const auto& edge : inputs_) needs_grad_.push_back(edge.needs_grad());
}

Node::~Node() {
  std::vector<std::shared_ptr<Node>> orphans;
  auto adopt_sole_owned = [&orphans](std::vector<Edge>& edges) {
    for (auto& edge : edges)
      if (edge.node && edge.node.use_count() == 1) orphans.push_back(std::move(edge.node));
  };
  adopt_sole_owned(inputs_);
  while (!orphans.empty()) {
    auto node = std::move(orphans.back());
    orphans.pop_back();
    adopt_sole_owned(node->inputs_);
  }  // each node is destroyed here with no node left to free recursively
}

std::vector<Tensor> Node::apply(const Tensor& grad_out) const {
  CHASE_CHECK(backward_,
              "backward: the graph through '{}' was already freed by an earlier backward; "
              "pass retain_graph = true to the first backward to run it twice",
              name_);
  auto grads = backward_(grad_out, needs_grad_);
  CHASE_CHECK(grads.size() == inputs_.size(),
              "backward of '{}': returned {} gradients for {} inputs", name_, grads.size(),
              inputs_.size());
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (!needs_grad_[i]) continue;
    const auto& grad = grads[i];
    const auto& edge = inputs_[i];
    CHASE_CHECK(grad.defined(), "backward of '{}': no gradient for input {}", name_, i);
    CHASE_CHECK(grad.shape() == edge.shape && grad.dtype() == edge.dtype,
                "backward of '{}': gradient of input {} is {} {}, expected {} {}", name_, i,
                chase::name(grad.dtype()), to_string(grad.shape()), chase::name(edge.dtype),
                to_string(edge.shape));
  }
  return grads;
}

void Node::release() {
  backward_ = nullptr;
  inputs_.clear();
  inputs_.shrink_to_fit();
}

}  // namespace chase

#include "autograd/engine.h"

#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "tensor/ops.h"

namespace chase {
namespace {

// The nodes reachable from root, each before every node it feeds gradients to
// (root first). The shared_ptrs keep nodes alive while released nodes drop edges.
std::vector<std::shared_ptr<Node>> topological_order(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> post_order;
  std::unordered_set<const Node*> visited{root.get()};
  std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_edge] = stack.back();
    if (next_edge < node->inputs().size()) {
      const auto& child = node->inputs()[next_edge++].node;
      if (child && visited.insert(child.get()).second) stack.emplace_back(child, 0);
      continue;
    }
    post_order.push_back(std::move(node));
    stack.pop_back();
  }
  return {post_order.rbegin(), post_order.rend()};
}

// A leaf's grad owns its memory: a node's gradients may alias each other or the
// seed (add passes grad_out to both inputs), and optimizers update grads in place.
void accumulate_into_leaf(VariableImpl& leaf, const Tensor& grad) {
  leaf.grad = leaf.grad.defined() ? add(leaf.grad, grad) : grad.clone();
}

}  // namespace

void run_backward(const Variable& output, const Tensor& seed, const BackwardOptions& options) {
  const auto& root = output.impl()->grad_fn;
  if (!root) {
    CHASE_CHECK(output.requires_grad(),
                "backward: the output does not require grad (no input of its graph requires "
                "grad, or it was computed under NoGradGuard)");
    accumulate_into_leaf(*output.impl(), seed);
    return;
  }
  auto order = topological_order(root);
  std::unordered_map<const Node*, Tensor> pending{{root.get(), seed}};
  for (const auto& node : order) {
    auto found = pending.find(node.get());
    Tensor grad_out = std::move(found->second);
    pending.erase(found);

    auto grads = node->apply(grad_out);
    const auto& inputs = node->inputs();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& edge = inputs[i];
      if (edge.leaf) {
        accumulate_into_leaf(*edge.leaf, grads[i]);
      } else if (edge.node) {
        auto [slot, inserted] = pending.try_emplace(edge.node.get(), grads[i]);
        if (!inserted) slot->second = add(slot->second, grads[i]);
      }
    }
    if (!options.retain_graph) node->release();
  }
}

}  // namespace chase

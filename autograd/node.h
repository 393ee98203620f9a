// A node of the autograd graph: the backward of one op application. It holds
// edges to where its inputs' gradients go and a closure that maps the gradient
// of the op's output to the gradients of its inputs. The closure captures only
// the tensors backward needs (never Variables, so the graph has no cycles) and
// is dropped by release() after a backward pass, which frees those tensors.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace chase {

class Node;
struct VariableImpl;

// Where the gradient of one input goes: into the node that produced it, or
// into a leaf's grad. Both empty: the input needs no gradient.
struct Edge {
  std::shared_ptr<Node> node;
  std::shared_ptr<VariableImpl> leaf;
  Shape shape;  // the input's shape and dtype, which its gradient must have
  DType dtype = DType::f32;

  bool needs_grad() const { return node != nullptr || leaf != nullptr; }
};

// grad_out has the op output's shape. Returns one gradient per input, in the
// input's shape; an entry may be left undefined where needs_grad[i] is false.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad_out, const std::vector<bool>& needs_grad)>;

class Node {
 public:
  Node(std::string name, std::vector<Edge> inputs, BackwardFn backward);
  // Frees the chain of nodes only this one keeps alive without recursing, so
  // that dropping a very deep graph cannot overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<Edge>& inputs() const { return inputs_; }
  bool released() const { return !backward_; }

  // Runs the closure and checks that every input that needs a gradient got one
  // of its shape and dtype; throws once the node has been released.
  std::vector<Tensor> apply(const Tensor& grad_out) const;

  // Drops the closure (and with it the saved tensors) and the edges.
  void release();

 private:
  std::string name_;
  std::vector<Edge> inputs_;
  std::vector<bool> needs_grad_;
  BackwardFn backward_;
};

}  // namespace chase

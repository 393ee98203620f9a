// Variable: a Tensor value that autograd tracks. A Variable is a handle to a
// shared VariableImpl {value, grad, requires_grad, grad_fn}: copying a Variable
// aliases it, as copying a Tensor aliases its storage. Ops over Variables
// (functions.h) compute their value with tensor/ops.h and, when grad mode is on
// and an input requires grad, record a Node whose backward the engine runs.
//
// In-place ops are impossible by design: no function of functions.h modifies a
// Variable's value, so a tensor saved for backward can never change under the
// graph. The one way to change a value, set_value(), rebinds the Variable to a
// new tensor; graphs that saved the old one keep it. (Writing into value()'s
// memory with tensor-level in-place ops bypasses autograd; do it only where no
// graph holds the tensor, e.g. an optimizer step after backward.)
#pragma once

#include <memory>
#include <string>

#include "autograd/node.h"
#include "tensor/tensor.h"

namespace chase {

struct VariableImpl {
  Tensor value;
  Tensor grad;  // leaves only; undefined until a backward reaches the leaf
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  // the node that made this value; null for leaves
};

struct BackwardOptions {
  // Keep the graph (and its saved tensors) so that backward can run through it again.
  bool retain_graph = false;
};

class Variable {
 public:
  Variable() = default;  // undefined
  explicit Variable(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  // The accumulated gradient of a leaf that requires grad: undefined until a
  // backward reaches it. Throws for a Variable that does not require grad and
  // for a non-leaf (gradients are kept only for leaves).
  const Tensor& grad() const;
  bool has_grad() const { return impl_ && impl_->grad.defined(); }
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  // Leaves only: an op's result requires grad exactly when one of its inputs does.
  void set_requires_grad(bool requires_grad);
  bool is_leaf() const { return impl_ && impl_->grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const;

  // Rebinds this Variable (a leaf) to a new value of the same shape and dtype;
  // graphs already recorded keep the old tensor.
  void set_value(Tensor value);
  // Drops the accumulated gradient (the next backward starts from zero).
  void zero_grad();
  // The same value, cut from the graph: a leaf that does not require grad.
  Variable detach() const;

  // Gradients of this output with respect to every leaf it depends on, added to
  // the leaves' grad. A one-element output is seeded with 1; any other needs an
  // explicit seed of its shape (the vector in the vector-Jacobian product).
  void backward(const BackwardOptions& options = {}) const;
  void backward(const Tensor& seed, const BackwardOptions& options = {}) const;

  // Tensor-like accessors of the value.
  const Shape& shape() const { return value().shape(); }
  std::int64_t dim() const { return value().dim(); }
  std::int64_t size(std::int64_t d) const { return value().size(d); }
  std::int64_t numel() const { return value().numel(); }
  DType dtype() const { return value().dtype(); }
  Device device() const { return value().device(); }

  const std::shared_ptr<VariableImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<VariableImpl> impl_;
};

}  // namespace chase

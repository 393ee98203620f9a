// Module: the base of every layer and network. A subclass registers, in its
// constructor, its parameters (trained Variables), its buffers (state that is
// saved but not trained, such as BatchNorm's running statistics) and its child
// modules; the base then gives hierarchical names ("blocks.0.conv.weight"),
// recursive train/eval, state_dict / load_state_dict, dtype and device moves
// and zero_grad for the whole tree.
//
// Parameters and buffers are Variable handles: register_parameter returns the
// handle the subclass keeps, and the registry holds the same one. Loading a
// state dict or moving to another dtype or device rebinds the shared
// VariableImpl, so the subclass's member sees the new tensor, and so does an
// optimizer holding the handle. Buffers are Variables that never require grad
// for the same reason (a plain Tensor copy would not see a rebinding).
//
// Each parameter has its own allocation (not llm.c's one block for all): layers
// create and initialise their tensors independently, to(DType) and
// load_state_dict replace them one by one, and the optimizer walks a list
// either way, so one block would add offset bookkeeping without a use yet.
//
// Modules are held by std::shared_ptr and are neither copyable nor movable:
// the registry refers to children by pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"
#include "nn/safetensors.h"

namespace chase {

using NamedVariable = std::pair<std::string, Variable>;

class Module;

// Sees every call made through Module::operator() on this thread while it is
// installed (ModuleCallObserverScope): how the FLOPs counter (chase/flops/)
// learns which layers ran, on which input, producing which output, without any
// layer knowing about it. enter() runs before forward, leave() after it returns.
class ModuleCallObserver {
 public:
  virtual ~ModuleCallObserver() = default;
  virtual void enter(Module& module, const Variable& x) = 0;
  virtual void leave(Module& module, const Variable& x, const Variable& y) = 0;
};

namespace detail {
// Null (the normal case) costs Module::operator() one thread-local load and test.
// initial-exec: from a shared library too, the load is one fs-relative mov (the
// default model calls __tls_get_addr on each access); this needs the library
// loaded at program start (linked, not dlopen'ed late), which is how chase is used.
extern thread_local constinit ModuleCallObserver* module_call_observer
    [[gnu::tls_model("initial-exec")]];
}  // namespace detail

// Installs an observer for this thread for the scope's lifetime, restoring the
// previous one after (scopes nest).
class ModuleCallObserverScope {
 public:
  explicit ModuleCallObserverScope(ModuleCallObserver& observer)
      : previous_(detail::module_call_observer) {
    detail::module_call_observer = &observer;
  }
  ~ModuleCallObserverScope() { detail::module_call_observer = previous_; }
  ModuleCallObserverScope(const ModuleCallObserverScope&) = delete;
  ModuleCallObserverScope& operator=(const ModuleCallObserverScope&) = delete;

 private:
  ModuleCallObserver* previous_;
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // "Conv2d", "Sequential", ...: used in error messages.
  const std::string& type_name() const { return type_name_; }

  // The forward pass of a single-input, single-output module. Modules with
  // several inputs or outputs define their own call signature instead; for
  // them this throws.
  virtual Variable forward(const Variable& x);
  // Calls forward. Parents call their children this way (never child->forward
  // directly), so that an installed ModuleCallObserver sees each call.
  Variable operator()(const Variable& x) {
    if (detail::module_call_observer == nullptr) return forward(x);
    return observed_forward(x);
  }

  // ---- the tree: depth first, own entries before the children's, each level in
  // registration order (as PyTorch), so the order is stable across runs ----------
  std::vector<Variable> parameters() const;
  std::vector<NamedVariable> named_parameters() const;
  std::vector<NamedVariable> named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  std::int64_t parameter_count() const;  // elements over all parameters

  // Training mode (the default) or evaluation mode, for this module and every
  // descendant: BatchNorm uses batch statistics and Dropout drops only in training.
  void train(bool training = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Parameters and buffers by hierarchical name. The tensors alias the live
  // values (no copy): clone them to keep a snapshot across further training.
  TensorMap state_dict() const;
  // Copies every entry into the module: dtype and shape must match exactly
  // (nothing is converted silently); the copy is placed on the module's device.
  // Throws one error listing every problem: entries missing from `state` and entries the
  // module does not have (both only when strict), and entries of the wrong
  // shape or dtype (always). On error the module is left unchanged.
  void load_state_dict(const TensorMap& state, bool strict = true);

  // Converts every floating parameter and buffer (and existing gradients) to
  // `dtype`; integer buffers (BatchNorm's num_batches_tracked) keep theirs.
  void to(DType dtype);
  // Moves every parameter, buffer and gradient to `device`.
  void to(Device device);

  // Drops the gradient of every parameter.
  void zero_grad();

 protected:
  // Registration, for subclass constructors. Names are non-empty, contain no
  // '.', and are unique among the module's parameters, buffers and children.
  Variable register_parameter(const std::string& name, Tensor value);
  Variable register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name, child);
    return child;
  }

 private:
  Variable observed_forward(const Variable& x);
  void check_new_name(const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  // Visits (hierarchical name, handle) of every parameter (or buffer) of the tree.
  template <class Visit>
  void visit_entries(bool parameters, const std::string& prefix, Visit&& visit) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<NamedVariable> parameters_;
  std::vector<NamedVariable> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace chase

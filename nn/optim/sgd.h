// Stochastic gradient descent with momentum, as torch.optim.SGD (1.13): the
// rule is tensor/sgd_rule.h's, with weight decay only where the filter says.
// Parameters without a gradient are skipped (their buffer is not touched).
//
// Optimizer state follows the model: after model.to(device) or
// model.to(dtype) the optimizer's handles see the moved parameters (Module::to
// rebinds their shared VariableImpl), and each momentum buffer, which the
// module does not know, is moved to its parameter's device and dtype by the
// next step (and by momentum_buffers(), so that a checkpoint taken in between
// matches the model).
//
// Each parameter's update is tensor/ops.h's fused sgd_step, one pass that
// records no graph, and the parameter is rebound to its new value with
// Variable::set_value: the Module and anyone else holding the handle see the
// update, and a graph that still holds the old value (retain_graph) keeps it
// unchanged.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nn/module.h"

namespace chase {

struct SgdOptions {
  double lr = 0.1;  // the rate step() uses until set_lr changes it (schedules call set_lr)
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0, as PyTorch
};

// Whether weight decay applies to a parameter, by its name and value.
using WeightDecayFilter = std::function<bool(const std::string& name, const Variable& parameter)>;

// The usual exclusion of biases and normalisation parameters (BatchNorm and
// LayerNorm weight and bias): weight decay only for parameters of 2 or more
// dims (Linear, Conv and attention weights).
bool decay_only_weights(const std::string& name, const Variable& parameter);

class Sgd {
 public:
  // `parameters` usually model.named_parameters(); the names key the momentum
  // buffers. Without a filter, weight decay applies to every parameter.
  Sgd(std::vector<NamedVariable> parameters, const SgdOptions& options,
      WeightDecayFilter decays = {});

  void step();
  void zero_grad();

  double lr() const { return options_.lr; }
  void set_lr(double lr);
  const SgdOptions& options() const { return options_; }

  // Momentum buffers by parameter name, for checkpoints: a parameter has one
  // after its first step with a gradient (and momentum > 0). The tensors alias
  // the optimizer's state, except where the model moved since the last step:
  // there they are copies on the parameter's device and in its dtype.
  TensorMap momentum_buffers() const;
  // Replaces the buffers with copies of `buffers`. Each name must be a parameter
  // of this optimizer and each tensor match that parameter's shape and dtype; a
  // parameter absent from `buffers` starts without one (as before its first
  // step). Throws one error listing every problem, and then changes nothing.
  void load_momentum_buffers(const TensorMap& buffers);

 private:
  struct Slot {
    std::string name;
    Variable parameter;
    bool decays;
    Tensor momentum_buffer;  // undefined until the first step with a gradient
  };
  std::vector<Slot> slots_;
  SgdOptions options_;
};

}  // namespace chase

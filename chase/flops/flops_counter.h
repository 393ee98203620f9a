// The FLOPs counter: multiply-adds (MACs) per image, per exit, of any model built
// from Modules, under three conventions.
//
// How it counts: one forward pass of a single zero image (batch 1, as op_counter)
// with gradients recorded, the model in evaluation mode (so BatchNorm's running
// statistics and Dropout's random stream are untouched; the mode is restored
// after). A ModuleCallObserver (nn/module.h) sees every call made through
// Module::operator(): the call of a module whose type has a rule (flops_rules.h) is
// recorded with its MACs, its input shape and its output's graph node, and nothing
// inside it is looked at; a module with children and no rule is looked through; a
// module with neither is refused, naming it. Which calls each exit needs comes from
// the autograd graph: exit k needs a call when the call's output node is reachable
// from exit k's logits.
//
// A composite with an own-operations rule is looked through as well, and its call is
// recorded after its children's with what the rule prices (its functional ops).
//
// Every graph node reachable from an exit must belong to a recorded call or be one
// of the free functional ops: views and copies (reshape, view, flatten, permute,
// transpose, contiguous, squeeze, unsqueeze, expand, narrow, slice, select),
// concat, stack and add (op_counter counts modules only, so MSDNet's dense
// concatenations and residual additions cost 0). Any other functional op outside a
// rule (a mul, a matmul, a child called as child->forward(x) instead of through
// operator()) is refused, naming the op: a cost is never silently dropped.
//
// Conventions (ExitFlops per exit k = 1..K):
//   msdnet      the running total, in call order, of every recorded call up to the
//               last one exit k needs (its classifier's Linear for MSDNet): exactly
//               what op_counter's measure_model appends at each classifier, so it
//               includes the classifiers of earlier exits and anything else run
//               before. Parameters likewise, per call (a module called twice counts
//               twice, as op_counter).
//   lazy        only the calls exit k's logits depend on: the cost of asking exit k
//               alone. Parameters: the distinct modules of those calls.
//   sequential  the calls that any of exits 1..k depends on: what an image leaving
//               at exit k has run (the backbone those exits read plus heads 1..k).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chase/flops/flops_rules.h"
#include "chase/multi_exit_model.h"

namespace chase {

enum class FlopsConvention { msdnet, lazy, sequential };

// "msdnet", "lazy", "sequential"; parse throws listing them for anything else.
const char* name(FlopsConvention convention);
FlopsConvention parse_flops_convention(const std::string& text);

// One recorded layer call.
struct LayerCall {
  std::string name;  // hierarchical name in the model ("blocks.0.1"), "" for the model
  std::string type;  // type_name()
  Shape input, output;
  std::int64_t macs = 0;
  std::int64_t params = 0;     // elements of the module's parameters (and its children's)
  const Module* module = nullptr;
  // An own-operations rule's call (FlopsRules::set_own_ops): what the module computes
  // outside its children, recorded after them; params are the module's own only.
  bool own_operations = false;
  std::vector<bool> needed_by;  // [exit]: exit k's logits depend on this call
};

struct ExitFlops {
  std::int64_t macs = 0;
  std::int64_t params = 0;  // the parameters of the counted calls (see the conventions)
};

struct FlopsProfile {
  Shape input;               // [C, H, W] of the image
  std::int64_t params = 0;   // every parameter of the model
  std::int64_t exit_count = 0;
  std::vector<LayerCall> calls;  // in call order

  std::vector<ExitFlops> exits(FlopsConvention convention) const;
};

// Profiles `model` on one image of shape [C, H, W] (zeros, of the model's dtype and
// device). Throws naming the layer type or the op the rules cannot count.
FlopsProfile profile_flops(MultiExitModel& model, const Shape& input,
                           const FlopsRules& rules = FlopsRules::defaults());
// The counter's pricing of module calls, as an observer of its own (nn/module.h):
// a call of a module whose type has a rule is priced whole and nothing inside it
// is looked at; a composite without one is looked through, its own operations
// priced after its children where it has an own-operations rule; a module with
// neither throws naming it. Each priced call reaches `on_call` with its MACs for
// the call's whole batch (every rule scales with N). profile_flops records them;
// chase predict adds up what a staged pass really executed.
struct PricedCall {
  Module& module;
  const Variable& input;
  const Variable& output;
  std::int64_t macs = 0;
  std::int64_t params = 0;  // a rule's module and its children; an own-operations call's own
  bool own_operations = false;
};

class PricedCallObserver final : public ModuleCallObserver {
 public:
  using Callback = std::function<void(const PricedCall&)>;
  using Namer = std::function<std::string(const Module&)>;  // names a module in errors
  PricedCallObserver(const FlopsRules& rules, Callback on_call, Namer name_of);

  void enter(Module& module, const Variable& x) override;
  void leave(Module& module, const Variable& x, const Variable& y) override;

 private:
  const FlopsRules& rules_;
  Callback on_call_;
  Namer name_of_;
  int depth_inside_rule_ = 0;
  std::vector<const FlopsRule*> open_composites_;  // own-operations rule or null, innermost last
};

// A plain single-output model: the one-exit case.
FlopsProfile profile_flops(Module& model, const Shape& input,
                           const FlopsRules& rules = FlopsRules::defaults());

// {"model": ..., "convention": ..., "input": [C, H, W], "params": N,
//  "exits": [{"exit": 1, "macs": M, "mflops": M / 1e6}, ...]}
std::string flops_json(const FlopsProfile& profile, const std::string& model_name,
                       FlopsConvention convention);

}  // namespace chase

#include "chase/flops/flops_counter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>
#include <utility>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace chase {
namespace {

using NodeSet = std::unordered_set<const Node*>;

// Functional ops that cost 0 outside a rule (op_counter counts modules only).
const std::set<std::string, std::less<>>& free_ops() {
  static const std::set<std::string, std::less<>> ops = {
      "view",  "reshape", "flatten", "permute", "transpose", "contiguous", "squeeze", "unsqueeze",
      "expand", "narrow", "slice",   "select",  "concat",    "stack",      "add"};
  return ops;
}

void name_modules(const Module& module, const std::string& prefix,
                  std::map<const Module*, std::string>& names) {
  names.emplace(&module, prefix);
  for (const auto& [child_name, child] : module.named_children())
    name_modules(*child, prefix.empty() ? child_name : prefix + "." + child_name, names);
}

// A recorded call, with the handles that keep its graph nodes alive (so that no
// freed node's address is reused by a later one while the graph is analysed).
struct TracedCall {
  LayerCall call;
  Variable input, output;
};

// The counter's observer: every priced call, with its name in the model.
class CallRecorder {
 public:
  CallRecorder(const FlopsRules& rules, const std::map<const Module*, std::string>& names)
      : names_(names),
        observer_(
            rules, [this](const PricedCall& priced) { record(priced); },
            [this](const Module& module) { return name_of(module); }) {}

  ModuleCallObserver& observer() { return observer_; }
  std::vector<TracedCall>& calls() { return calls_; }

 private:
  void record(const PricedCall& priced) {
    LayerCall call;
    call.name = name_of(priced.module);
    call.type = priced.module.type_name();
    call.input = priced.input.shape();
    call.output = priced.output.shape();
    call.macs = priced.macs;
    call.params = priced.params;
    call.module = &priced.module;
    call.own_operations = priced.own_operations;
    calls_.push_back({std::move(call), priced.input, priced.output});
  }

  std::string name_of(const Module& module) const {
    auto found = names_.find(&module);
    if (found == names_.end()) return "(not registered in the model)";
    return found->second.empty() ? "(the model)" : found->second;
  }

  const std::map<const Module*, std::string>& names_;
  PricedCallObserver observer_;
  std::vector<TracedCall> calls_;
};

// Every node reachable from `from`, not crossing `stop` (which is not included).
void collect_nodes(const Node* from, const Node* stop, NodeSet& seen) {
  std::vector<const Node*> pending;
  if (from != nullptr && from != stop && seen.insert(from).second) pending.push_back(from);
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    for (const auto& edge : node->inputs()) {
      const Node* input = edge.node.get();
      if (input != nullptr && input != stop && seen.insert(input).second) pending.push_back(input);
    }
  }
}

// Puts the model in evaluation mode and restores every module's own mode however
// the profile ends (a model may hold some modules in evaluation while training).
class EvalModeScope {
 public:
  explicit EvalModeScope(Module& model) {
    save(model);
    model.eval();
  }
  // Pre-order: a module's train() sets its subtree, then its descendants reset theirs.
  ~EvalModeScope() {
    for (const auto& [module, training] : modes_) module->train(training);
  }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  void save(Module& module) {
    modes_.emplace_back(&module, module.is_training());
    for (const auto& [name, child] : module.named_children()) save(*child);
  }
  std::vector<std::pair<Module*, bool>> modes_;
};

using ExitsForward = std::function<std::vector<Variable>(const Variable&)>;

FlopsProfile profile(Module& model, const Shape& input, const FlopsRules& rules,
                     std::int64_t exit_count, const ExitsForward& forward_exits) {
  CHASE_CHECK(input.size() == 3 && std::all_of(input.begin(), input.end(),
                                               [](std::int64_t size) { return size > 0; }),
              "flops: the input is one image [C, H, W] of positive sizes, got {}",
              to_string(input));
  CHASE_CHECK(grad_mode_enabled(),
              "flops: the counter follows the autograd graph, so it cannot run under a "
              "NoGradGuard");
  std::map<const Module*, std::string> names;
  name_modules(model, "", names);

  const auto parameters = model.parameters();
  const DType dtype = parameters.empty() ? DType::f32 : parameters.front().dtype();
  const Device device = parameters.empty() ? Device::cpu() : parameters.front().device();
  // requires_grad on the image: every op, even one with no parameter, gets a node.
  Variable image(zeros({1, input[0], input[1], input[2]}, dtype, device), true);

  EvalModeScope eval_mode(model);
  CallRecorder recorder(rules, names);
  std::vector<Variable> logits;
  {
    ModuleCallObserverScope observe(recorder.observer());
    logits = forward_exits(image);
  }
  CHASE_CHECK(static_cast<std::int64_t>(logits.size()) == exit_count,
              "flops: {} returned {} exits, but its exit_count() is {}", model.type_name(),
              logits.size(), exit_count);

  std::vector<NodeSet> reachable(logits.size());
  NodeSet all_reachable;
  for (std::size_t k = 0; k < logits.size(); ++k) {
    CHASE_CHECK(logits[k].defined(), "flops: exit {} of {} returned no logits", k + 1,
                model.type_name());
    collect_nodes(logits[k].grad_fn().get(), nullptr, reachable[k]);
    all_reachable.insert(reachable[k].begin(), reachable[k].end());
  }

  FlopsProfile result;
  result.input = input;
  result.params = model.parameter_count();
  result.exit_count = exit_count;
  NodeSet priced;  // the nodes inside recorded calls
  for (auto& traced : recorder.calls()) {
    const Node* output = traced.output.grad_fn().get();
    const Node* input_node = traced.input.grad_fn().get();
    for (const auto& exit_nodes : reachable)
      traced.call.needed_by.push_back(output != nullptr && exit_nodes.count(output) > 0);
    // A set per call: an own-operations call must reach past its children's nodes,
    // already priced, to the functional ops between them.
    NodeSet inside;
    collect_nodes(output, input_node, inside);
    priced.insert(inside.begin(), inside.end());
    result.calls.push_back(std::move(traced.call));
  }
  std::set<std::string> unpriced;
  for (const Node* node : all_reachable) {
    if (priced.count(node) == 0 && free_ops().count(node->name()) == 0)
      unpriced.insert("'" + node->name() + "'");
  }
  CHASE_CHECK(unpriced.empty(),
              "flops: the op {} runs outside every layer with a FLOPs rule (a functional call in "
              "a module's forward, or a child called as child->forward(x) instead of "
              "(*child)(x)), so its cost would be silently 0; make it a layer, or give the "
              "enclosing module's type a rule (FlopsRules::set for the whole module, set_own_ops "
              "for what it computes beside its children)",
              fmt::join(unpriced, ", "));
  return result;
}

}  // namespace

const char* name(FlopsConvention convention) {
  switch (convention) {
    case FlopsConvention::msdnet: return "msdnet";
    case FlopsConvention::lazy: return "lazy";
    case FlopsConvention::sequential: return "sequential";
  }
  return "?";
}

FlopsConvention parse_flops_convention(const std::string& text) {
  for (auto convention :
       {FlopsConvention::msdnet, FlopsConvention::lazy, FlopsConvention::sequential}) {
    if (text == name(convention)) return convention;
  }
  throw Error(fmt::format(
      "flops: unknown convention \"{}\"; expected one of msdnet, lazy, sequential", text));
}

std::vector<ExitFlops> FlopsProfile::exits(FlopsConvention convention) const {
  std::vector<ExitFlops> result(static_cast<std::size_t>(exit_count));
  std::vector<bool> needed_so_far(calls.size(), false);  // by any of exits 1..k
  for (std::size_t k = 0; k < result.size(); ++k) {
    std::size_t end = 0;  // one past the last call exit k needs
    for (std::size_t c = 0; c < calls.size(); ++c) {
      if (!calls[c].needed_by[k]) continue;
      needed_so_far[c] = true;
      end = c + 1;
    }
    ExitFlops& exit = result[k];
    if (convention == FlopsConvention::msdnet) {  // op_counter's running total
      for (std::size_t c = 0; c < end; ++c) {
        exit.macs += calls[c].macs;
        exit.params += calls[c].params;
      }
      continue;
    }
    std::set<const Module*> modules;
    for (std::size_t c = 0; c < calls.size(); ++c) {
      const bool counted = convention == FlopsConvention::lazy ? calls[c].needed_by[k]
                                                               : needed_so_far[c];
      if (!counted) continue;
      exit.macs += calls[c].macs;
      if (modules.insert(calls[c].module).second) exit.params += calls[c].params;
    }
  }
  return result;
}

FlopsProfile profile_flops(MultiExitModel& model, const Shape& input, const FlopsRules& rules) {
  return profile(model, input, rules, model.exit_count(),
                 [&](const Variable& x) { return model.forward_exits(x); });
}

FlopsProfile profile_flops(Module& model, const Shape& input, const FlopsRules& rules) {
  if (auto* multi_exit = dynamic_cast<MultiExitModel*>(&model))
    return profile_flops(*multi_exit, input, rules);
  return profile(model, input, rules, 1,
                 [&](const Variable& x) { return std::vector<Variable>{model(x)}; });
}

std::string flops_json(const FlopsProfile& profile, const std::string& model_name,
                       FlopsConvention convention) {
  nlohmann::ordered_json exits = nlohmann::ordered_json::array();
  const auto costs = profile.exits(convention);
  for (std::size_t k = 0; k < costs.size(); ++k) {
    exits.push_back({{"exit", k + 1},
                     {"macs", costs[k].macs},
                     {"mflops", static_cast<double>(costs[k].macs) / 1e6}});
  }
  nlohmann::ordered_json document = {{"model", model_name},
                                     {"convention", name(convention)},
                                     {"input", profile.input},
                                     {"params", profile.params},
                                     {"exits", exits}};
  return document.dump();
}

PricedCallObserver::PricedCallObserver(const FlopsRules& rules, Callback on_call, Namer name_of)
    : rules_(rules), on_call_(std::move(on_call)), name_of_(std::move(name_of)) {}

void PricedCallObserver::enter(Module& module, const Variable&) {
  if (depth_inside_rule_ > 0) {  // inside a call its rule prices whole
    ++depth_inside_rule_;
    return;
  }
  if (rules_.find(module.type_name()) != nullptr) {
    depth_inside_rule_ = 1;
    return;
  }
  const FlopsRule* own_ops = rules_.find_own_ops(module.type_name());
  CHASE_CHECK(own_ops != nullptr || !module.named_children().empty(),
              "flops: cannot count the layer \"{}\" of type {}: no FLOPs rule for this type "
              "(chase/flops/flops_rules.h lists the known ones; add one with FlopsRules::set)",
              name_of_(module), module.type_name());
  open_composites_.push_back(own_ops);  // looked through; its own ops priced if a rule
}

void PricedCallObserver::leave(Module& module, const Variable& x, const Variable& y) {
  if (depth_inside_rule_ > 0) {
    if (--depth_inside_rule_ == 0) {
      const FlopsRule& rule = *rules_.find(module.type_name());
      on_call_({module, x, y, rule(module, x.shape(), y.shape()), module.parameter_count(), false});
    }
    return;
  }
  const FlopsRule* own_ops = open_composites_.back();
  open_composites_.pop_back();
  if (own_ops == nullptr) return;
  std::int64_t own_params = module.parameter_count();  // its children's are theirs
  for (const auto& [child_name, child] : module.named_children())
    own_params -= child->parameter_count();
  on_call_({module, x, y, (*own_ops)(module, x.shape(), y.shape()), own_params, true});
}

}  // namespace chase

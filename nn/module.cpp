#include "nn/module.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>


namespace chase {
namespace {

// Applies `convert` to the value (and gradient) a handle shares with the
// module's owner. Unlike Variable::set_value this may change dtype and device,
// which only a whole-tree move (Module::to) does; the handle, and so every
// holder of it (the layer's member, an optimizer), stays the same.
template <class Convert>
void convert_in_place(const Variable& v, Convert&& convert) {
  auto& impl = *v.impl();
  impl.value = convert(impl.value);
  if (impl.grad.defined()) impl.grad = convert(impl.grad);
}

std::string describe(const Tensor& t) {
  return fmt::format("{} {}", name(t.dtype()), to_string(t.shape()));
}

}  // namespace

namespace detail {
thread_local constinit ModuleCallObserver* module_call_observer [[gnu::tls_model("initial-exec")]] =
    nullptr;
}  // namespace detail

Variable Module::observed_forward(const Variable& x) {
  ModuleCallObserver& observer = *detail::module_call_observer;
  observer.enter(*this, x);
  Variable y = forward(x);
  observer.leave(*this, x, y);
  return y;
}

Variable Module::forward(const Variable&) {
  throw Error(fmt::format(
      "{}::forward: this module has no single-input forward; call its own forward signature",
      type_name_));
}

void Module::check_new_name(const std::string& name) const {
  CHASE_CHECK(!name.empty() && name.find('.') == std::string::npos,
              "{}: a parameter, buffer or child name must be non-empty without '.', got \"{}\"",
              type_name_, name);
  auto taken = [&](const auto& entries) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const auto& entry) { return entry.first == name; });
  };
  CHASE_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_),
              "{}: the name \"{}\" is already registered", type_name_, name);
}

Variable Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  CHASE_CHECK(value.defined() && is_floating(value.dtype()),
              "{}::register_parameter(\"{}\"): a parameter must be a defined f32 or f64 tensor, "
              "got {}",
              type_name_, name, value.defined() ? describe(value) : "an undefined tensor");
  Variable parameter(std::move(value), /*requires_grad=*/true);
  parameters_.emplace_back(name, parameter);
  return parameter;
}

Variable Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  CHASE_CHECK(value.defined(), "{}::register_buffer(\"{}\"): undefined tensor", type_name_, name);
  Variable buffer(std::move(value), /*requires_grad=*/false);
  buffers_.emplace_back(name, buffer);
  return buffer;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name(name);
  CHASE_CHECK(child != nullptr, "{}::register_module(\"{}\"): null module", type_name_, name);
  children_.emplace_back(name, std::move(child));
}

template <class Visit>
void Module::visit_entries(bool parameters, const std::string& prefix, Visit&& visit) const {
  for (const auto& [name, v] : parameters ? parameters_ : buffers_) visit(prefix + name, v);
  for (const auto& [name, child] : children_) {
    child->visit_entries(parameters, prefix + name + ".", visit);
  }
}

std::vector<NamedVariable> Module::named_parameters() const {
  std::vector<NamedVariable> out;
  visit_entries(true, "", [&](const std::string& name, const Variable& v) {
    out.emplace_back(name, v);
  });
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  visit_entries(true, "", [&](const std::string&, const Variable& v) { out.push_back(v); });
  return out;
}

std::vector<NamedVariable> Module::named_buffers() const {
  std::vector<NamedVariable> out;
  visit_entries(false, "", [&](const std::string& name, const Variable& v) {
    out.emplace_back(name, v);
  });
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

std::int64_t Module::parameter_count() const {
  std::int64_t count = 0;
  visit_entries(true, "", [&](const std::string&, const Variable& v) { count += v.numel(); });
  return count;
}

void Module::train(bool training) {
  training_ = training;
  for (const auto& [name, child] : children_) child->train(training);
}

TensorMap Module::state_dict() const {
  TensorMap state;
  auto add = [&](const std::string& name, const Variable& v) { state.emplace(name, v.value()); };
  visit_entries(true, "", add);
  visit_entries(false, "", add);
  return state;
}

void Module::load_state_dict(const TensorMap& state, bool strict) {
  std::vector<NamedVariable> entries = named_parameters();
  for (auto& buffer : named_buffers()) entries.push_back(std::move(buffer));

  // Check everything first, so that a failed load changes nothing.
  std::vector<std::string> problems;
  for (const auto& [name, v] : entries) {
    auto found = state.find(name);
    if (found == state.end()) {
      if (strict) problems.push_back(fmt::format("missing \"{}\" ({})", name, describe(v.value())));
      continue;
    }
    const Tensor& t = found->second;
    if (!t.defined()) {
      problems.push_back(fmt::format("\"{}\": undefined tensor", name));
    } else if (t.shape() != v.shape() || t.dtype() != v.dtype()) {
      problems.push_back(fmt::format("\"{}\": expected {}, got {}", name, describe(v.value()),
                                     describe(t)));
    }
  }
  if (strict) {
    std::set<std::string> known;
    for (const auto& entry : entries) known.insert(entry.first);
    for (const auto& [name, t] : state) {
      if (!known.contains(name)) problems.push_back(fmt::format("unexpected \"{}\"", name));
    }
  }
  CHASE_CHECK(problems.empty(), "{}::load_state_dict: {} problem(s): {}", type_name_,
              problems.size(), fmt::join(problems, "; "));

  for (auto& [name, v] : entries) {
    auto found = state.find(name);
    if (found == state.end()) continue;
    // A copy, so that later training never writes into the caller's tensors.
    v.set_value(found->second.to(v.device()).clone());
  }
}

void Module::to(DType dtype) {
  auto convert = [&](const std::string&, const Variable& v) {
    if (is_floating(v.dtype()) && v.dtype() != dtype) {
      convert_in_place(v, [&](const Tensor& t) { return t.to(dtype); });
    }
  };
  visit_entries(true, "", convert);
  visit_entries(false, "", convert);
}

void Module::to(Device device) {
  auto move = [&](const std::string&, const Variable& v) {
    if (v.device() != device) convert_in_place(v, [&](const Tensor& t) { return t.to(device); });
  };
  visit_entries(true, "", move);
  visit_entries(false, "", move);
}

void Module::zero_grad() {
  visit_entries(true, "", [](const std::string&, const Variable& v) {
    Variable handle = v;
    handle.zero_grad();
  });
}

}  // namespace chase

#include "nn/optim/sgd.h"

#include <cmath>
#include <set>

#include "tensor/ops.h"

namespace chase {
namespace {

void check_options(const SgdOptions& o) {
  CHASE_CHECK(std::isfinite(o.lr) && o.lr >= 0.0, "Sgd: lr must be finite and non-negative, got {}",
              o.lr);
  CHASE_CHECK(o.momentum >= 0.0, "Sgd: momentum must be non-negative, got {}", o.momentum);
  CHASE_CHECK(o.weight_decay >= 0.0, "Sgd: weight_decay must be non-negative, got {}",
              o.weight_decay);
  CHASE_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0),
              "Sgd: nesterov needs momentum > 0 and dampening 0, got momentum {} and dampening {}",
              o.momentum, o.dampening);
}

std::string describe(const Tensor& t) {
  return fmt::format("{} {}", name(t.dtype()), to_string(t.shape()));
}

// The buffer on its parameter's device and in its dtype: where the model was
// moved or converted since the buffer was made, a copy; otherwise the buffer.
Tensor following(const Tensor& buffer, const Tensor& parameter) {
  if (!buffer.defined()) return buffer;
  return buffer.to(parameter.device()).to(parameter.dtype());
}

}  // namespace

bool decay_only_weights(const std::string&, const Variable& parameter) {
  return parameter.dim() >= 2;
}

Sgd::Sgd(std::vector<NamedVariable> parameters, const SgdOptions& options,
         WeightDecayFilter decays)
    : options_(options) {
  check_options(options);
  std::set<std::string> names;
  for (auto& [name, parameter] : parameters) {
    CHASE_CHECK(parameter.defined() && parameter.requires_grad() && parameter.is_leaf(),
                "Sgd: parameter \"{}\" must be a leaf Variable that requires grad", name);
    CHASE_CHECK(names.insert(name).second, "Sgd: parameter name \"{}\" appears twice", name);
    bool decay = !decays || decays(name, parameter);
    slots_.push_back({std::move(name), std::move(parameter), decay, Tensor()});
  }
}

void Sgd::set_lr(double lr) {
  CHASE_CHECK(std::isfinite(lr) && lr >= 0.0,
              "Sgd::set_lr: lr must be finite and non-negative, got {}", lr);
  options_.lr = lr;
}

void Sgd::step() {
  const auto& o = options_;
  for (auto& slot : slots_) {
    if (!slot.parameter.has_grad()) continue;
    const SgdStepOptions step_options{o.lr, o.momentum, o.dampening,
                                      slot.decays ? o.weight_decay : 0.0, o.nesterov};
    const Tensor& p = slot.parameter.value();
    auto next = sgd_step(p, slot.parameter.grad(), following(slot.momentum_buffer, p),
                         step_options);
    slot.momentum_buffer = std::move(next.momentum_buffer);
    slot.parameter.set_value(std::move(next.param));
  }
}

void Sgd::zero_grad() {
  for (auto& slot : slots_) slot.parameter.zero_grad();
}

TensorMap Sgd::momentum_buffers() const {
  TensorMap buffers;
  for (const auto& slot : slots_) {
    if (slot.momentum_buffer.defined())
      buffers.emplace(slot.name, following(slot.momentum_buffer, slot.parameter.value()));
  }
  return buffers;
}

void Sgd::load_momentum_buffers(const TensorMap& buffers) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const auto& slot : slots_) {
    known.insert(slot.name);
    auto found = buffers.find(slot.name);
    if (found == buffers.end()) continue;
    const Tensor& t = found->second;
    const Tensor& p = slot.parameter.value();
    if (!t.defined() || t.shape() != p.shape() || t.dtype() != p.dtype()) {
      problems.push_back(fmt::format("\"{}\": expected {}, got {}", slot.name, describe(p),
                                     t.defined() ? describe(t) : "an undefined tensor"));
    }
  }
  for (const auto& [name, t] : buffers) {
    if (!known.contains(name)) problems.push_back(fmt::format("unexpected \"{}\"", name));
  }
  CHASE_CHECK(problems.empty(), "Sgd::load_momentum_buffers: {} problem(s): {}", problems.size(),
              fmt::join(problems, "; "));
  for (auto& slot : slots_) {
    auto found = buffers.find(slot.name);
    slot.momentum_buffer = found == buffers.end()
                               ? Tensor()
                               : found->second.to(slot.parameter.device()).clone();
  }
}

}  // namespace chase

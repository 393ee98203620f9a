// MultiExitModel: a classifier with K exits, each a full set of logits, ordered
// from the earliest (cheapest) to the last. CHASE and MSDNet have several; a
// plain classifier is the one-exit case and goes through the same trainer,
// loss and metrics. The trainer, the multi-exit loss (paper Eq. 5), the per-exit
// metrics, the FLOPs counter and the anytime/budgeted evaluations all take a
// MultiExitModel, so a model written by a user works with each of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.h"

namespace chase {

class MultiExitModel : public Module {
 public:
  explicit MultiExitModel(std::string type_name) : Module(std::move(type_name)) {}

  // x [N, C, H, W] -> exit_count() logits, each [N, classes], in exit order.
  virtual std::vector<Variable> forward_exits(const Variable& x) = 0;
  virtual std::int64_t exit_count() const = 0;

  // The last exit's logits: the model used as a plain classifier.
  Variable forward(const Variable& x) override { return forward_exits(x).back(); }
};

}  // namespace chase

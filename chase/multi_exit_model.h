// MultiExitModel: a classifier with K exits, each a full set of logits, ordered
// from the earliest (cheapest) to the last. CHASE and MSDNet have several; a
// plain classifier is the one-exit case and goes through the same trainer,
// loss and metrics. The trainer, the multi-exit loss (paper Eq. 5), the per-exit
// metrics, the FLOPs counter and the anytime/budgeted evaluations all take a
// MultiExitModel, so a model written by a user works with each of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace chase {

// Staged inference, for true early exit (chase predict): the network run from
// its input towards one exit after another. next() returns the next exit's
// logits, computing only what that exit needs beyond the earlier ones; between
// exits, keep(rows) drops the images that have left, so that the later stages
// compute nothing for them.
class ExitStages {
 public:
  virtual ~ExitStages() = default;
  virtual Variable next() = 0;
  // rows: i64 [M], increasing indices into the images still in the batch.
  virtual void keep(const Tensor& rows) = 0;
};

class MultiExitModel : public Module {
 public:
  explicit MultiExitModel(std::string type_name) : Module(std::move(type_name)) {}

  // x [N, C, H, W] -> exit_count() logits, each [N, classes], in exit order.
  virtual std::vector<Variable> forward_exits(const Variable& x) = 0;
  virtual std::int64_t exit_count() const = 0;

  // The last exit's logits: the model used as a plain classifier.
  Variable forward(const Variable& x) override { return forward_exits(x).back(); }

  // x [N, C, H, W] -> its exit stages. This default runs forward_exits whole at
  // the first next() and hands its exits out one by one: right for any model,
  // but it computes every exit. CHASE and MSDNet override it with stages that
  // stop, and compute forward_exits through them.
  virtual std::unique_ptr<ExitStages> exit_stages(const Variable& x);
};

}  // namespace chase

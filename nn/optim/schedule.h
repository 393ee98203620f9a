// Learning-rate schedules: pure functions of the optimisation step, so that a
// resumed run recomputes exactly the rate the uninterrupted run would use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chase {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // The learning rate for step (0-based) of a run of total_steps steps.
  virtual double at(std::int64_t step) const = 0;
};

// Linear warmup from base_lr * warmup_start_factor to base_lr over warmup_steps,
// then cosine annealing from base_lr to min_lr at total_steps
// (Loshchilov & Hutter, SGDR, without restarts).
class CosineSchedule final : public LrSchedule {
 public:
  CosineSchedule(double base_lr, std::int64_t total_steps, std::int64_t warmup_steps = 0,
                 double min_lr = 0.0, double warmup_start_factor = 0.0);
  double at(std::int64_t step) const override;

 private:
  double base_lr_, min_lr_, warmup_start_factor_;
  std::int64_t total_steps_, warmup_steps_;
};

// base_lr * gamma^(number of milestones <= step).
class StepSchedule final : public LrSchedule {
 public:
  StepSchedule(double base_lr, std::vector<std::int64_t> milestones, double gamma = 0.1);
  double at(std::int64_t step) const override;

 private:
  double base_lr_, gamma_;
  std::vector<std::int64_t> milestones_;
};

class ConstantSchedule final : public LrSchedule {
 public:
  explicit ConstantSchedule(double lr) : lr_(lr) {}
  double at(std::int64_t) const override { return lr_; }

 private:
  double lr_;
};

}  // namespace chase

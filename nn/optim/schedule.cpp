#include "nn/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tensor/error.h"

namespace chase {

CosineSchedule::CosineSchedule(double base_lr, std::int64_t total_steps,
                               std::int64_t warmup_steps, double min_lr,
                               double warmup_start_factor)
    : base_lr_(base_lr),
      min_lr_(min_lr),
      warmup_start_factor_(warmup_start_factor),
      total_steps_(total_steps),
      warmup_steps_(warmup_steps) {
  CHASE_CHECK(total_steps > 0, "CosineSchedule: total_steps must be positive, got {}",
              total_steps);
  CHASE_CHECK(warmup_steps >= 0 && warmup_steps <= total_steps,
              "CosineSchedule: warmup_steps {} must lie in [0, total_steps = {}]", warmup_steps,
              total_steps);
}

double CosineSchedule::at(std::int64_t step) const {
  if (step < warmup_steps_) {
    double t = static_cast<double>(step) / static_cast<double>(warmup_steps_);
    return base_lr_ * (warmup_start_factor_ + (1.0 - warmup_start_factor_) * t);
  }
  auto decay_steps = total_steps_ - warmup_steps_;
  double t = decay_steps == 0 ? 1.0
                              : static_cast<double>(std::min(step, total_steps_) - warmup_steps_) /
                                    static_cast<double>(decay_steps);
  return min_lr_ + 0.5 * (base_lr_ - min_lr_) * (1.0 + std::cos(std::numbers::pi * t));
}

StepSchedule::StepSchedule(double base_lr, std::vector<std::int64_t> milestones, double gamma)
    : base_lr_(base_lr), gamma_(gamma), milestones_(std::move(milestones)) {
  CHASE_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()),
              "StepSchedule: milestones must be increasing");
}

double StepSchedule::at(std::int64_t step) const {
  auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), step) -
                milestones_.begin();
  return base_lr_ * std::pow(gamma_, static_cast<double>(passed));
}

}  // namespace chase

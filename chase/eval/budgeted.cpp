#include "chase/eval/budgeted.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

#include "tensor/error.h"

namespace chase::eval {

void ExitPredictions::validate(const std::string& what) const {
  const auto images = labels.size();
  if (confidence.empty()) throw Error(fmt::format("{}: no exits", what));
  if (predicted.size() != confidence.size()) {
    throw Error(fmt::format("{}: {} exits of confidences but {} of predictions", what,
                            confidence.size(), predicted.size()));
  }
  for (std::size_t k = 0; k < confidence.size(); ++k) {
    if (confidence[k].size() != images || predicted[k].size() != images) {
      throw Error(fmt::format("{}: exit {} has {} confidences and {} predictions for {} labels",
                              what, k + 1, confidence[k].size(), predicted[k].size(), images));
    }
    for (std::size_t i = 0; i < images; ++i) {
      const float c = confidence[k][i];
      if (!(c >= 0.0f && c <= 1.0f)) {  // NaN fails both
        throw Error(fmt::format("{}: exit {}, image {}: confidence {} is not a probability", what,
                                k + 1, i, c));
      }
    }
  }
}

std::vector<double> geometric_exit_prior(double p, std::int64_t exits) {
  if (!(p > 0) || !std::isfinite(p)) {
    throw Error(fmt::format("geometric exit prior: p must be positive and finite, got {}", p));
  }
  if (exits < 1) throw Error(fmt::format("geometric exit prior: {} exits", exits));
  std::vector<double> prior(static_cast<std::size_t>(exits));
  // p^(k+1) / sum: computed as p^(k+1-K) when p > 1 so that large p cannot overflow.
  const double top = p > 1 ? static_cast<double>(exits) : 1.0;
  for (std::int64_t k = 0; k < exits; ++k) {
    prior[static_cast<std::size_t>(k)] = std::pow(p, static_cast<double>(k + 1) - top);
  }
  const double sum = std::accumulate(prior.begin(), prior.end(), 0.0);
  for (double& v : prior) v /= sum;
  return prior;
}

std::vector<float> fit_thresholds(const ExitPredictions& validation,
                                  std::span<const double> prior) {
  validation.validate("fitting exit thresholds");
  const std::int64_t exits = validation.exit_count();
  const std::int64_t images = validation.image_count();
  if (static_cast<std::int64_t>(prior.size()) != exits) {
    throw Error(fmt::format("fitting exit thresholds: a prior of {} entries for {} exits",
                            prior.size(), exits));
  }
  std::vector<float> thresholds(static_cast<std::size_t>(exits), kNobodyLeaves);
  std::vector<bool> left(static_cast<std::size_t>(images), false);
  std::vector<std::int64_t> order(static_cast<std::size_t>(images));
  for (std::int64_t k = 0; k + 1 < exits; ++k) {
    const auto& confidence = validation.confidence[static_cast<std::size_t>(k)];
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return confidence[static_cast<std::size_t>(a)] > confidence[static_cast<std::size_t>(b)];
    });
    // floor(N * prior[k]) of the images still here, the most confident first.
    const auto quota =
        static_cast<std::int64_t>(std::floor(static_cast<double>(images) * prior[k]));
    std::int64_t taken = 0;
    float& threshold = thresholds[static_cast<std::size_t>(k)];
    for (std::int64_t i : order) {
      if (quota == 0) break;
      if (left[static_cast<std::size_t>(i)]) continue;
      if (++taken == quota) {
        threshold = confidence[static_cast<std::size_t>(i)];
        break;
      }
    }
    for (std::int64_t i = 0; i < images; ++i) {
      if (confidence[static_cast<std::size_t>(i)] >= threshold) left[static_cast<std::size_t>(i)] = true;
    }
  }
  thresholds.back() = kEverybodyLeaves;
  return thresholds;
}

BudgetedOutcome apply_thresholds(const ExitPredictions& set, std::span<const float> thresholds,
                                 std::span<const double> exit_macs) {
  set.validate("applying exit thresholds");
  const std::int64_t exits = set.exit_count();
  if (static_cast<std::int64_t>(thresholds.size()) != exits ||
      static_cast<std::int64_t>(exit_macs.size()) != exits) {
    throw Error(fmt::format(
        "applying exit thresholds: {} thresholds and {} exit costs for a model of {} exits",
        thresholds.size(), exit_macs.size(), exits));
  }
  if (set.image_count() == 0) throw Error("applying exit thresholds: no images");
  BudgetedOutcome out;
  out.exit_fraction.assign(static_cast<std::size_t>(exits), 0.0);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < set.image_count(); ++i) {
    const auto n = static_cast<std::size_t>(i);
    std::size_t k = 0;  // the last exit takes every image that is left
    while (k + 1 < static_cast<std::size_t>(exits) && set.confidence[k][n] < thresholds[k]) ++k;
    out.exit_fraction[k] += 1;
    if (set.predicted[k][n] == set.labels[n]) ++correct;
  }
  const auto images = static_cast<double>(set.image_count());
  for (std::size_t k = 0; k < out.exit_fraction.size(); ++k) {
    out.exit_fraction[k] /= images;
    out.mean_macs += out.exit_fraction[k] * exit_macs[k];
  }
  out.accuracy = static_cast<double>(correct) / images;
  return out;
}

namespace {

BudgetedPoint point_at(double p, const ExitPredictions& validation, const ExitPredictions& test,
                       std::span<const double> exit_macs) {
  BudgetedPoint point;
  point.p = p;
  point.thresholds = fit_thresholds(validation, geometric_exit_prior(p, validation.exit_count()));
  point.validation = apply_thresholds(validation, point.thresholds, exit_macs);
  point.test = apply_thresholds(test, point.thresholds, exit_macs);
  return point;
}

}  // namespace

std::vector<BudgetedPoint> budgeted_sweep(const ExitPredictions& validation,
                                          const ExitPredictions& test,
                                          std::span<const double> exit_macs) {
  std::vector<BudgetedPoint> curve;
  for (int i = 1; i <= 39; ++i) curve.push_back(point_at(i / 20.0, validation, test, exit_macs));
  return curve;
}

BudgetedPoint thresholds_for_budget(const ExitPredictions& validation,
                                    const ExitPredictions& test,
                                    std::span<const double> exit_macs, double budget_macs) {
  if (exit_macs.empty()) throw Error("budget: the model has no exits");
  if (!(budget_macs >= exit_macs.front() && budget_macs <= exit_macs.back())) {
    throw Error(fmt::format(
        "budget {:.4g} MFLOPs per image is outside what this model can spend: from {:.4g} "
        "(every image at exit 1) to {:.4g} (every image at exit {})",
        budget_macs / 1e6, exit_macs.front() / 1e6, exit_macs.back() / 1e6, exit_macs.size()));
  }
  double lo = std::log(1e-4), hi = std::log(1e4);
  BudgetedPoint below = point_at(std::exp(lo), validation, test, exit_macs);
  if (below.validation.mean_macs > budget_macs) {
    // Cheaper than any prior reaches: everybody leaves at the first exit.
    below.p = 0;
    below.thresholds.assign(exit_macs.size(), kEverybodyLeaves);
    below.validation = apply_thresholds(validation, below.thresholds, exit_macs);
    below.test = apply_thresholds(test, below.thresholds, exit_macs);
    return below;
  }
  BudgetedPoint above = point_at(std::exp(hi), validation, test, exit_macs);
  if (above.validation.mean_macs <= budget_macs) return above;
  for (int step = 0; step < 60; ++step) {  // log p to ~1e-17 of the range
    const double mid = 0.5 * (lo + hi);
    BudgetedPoint point = point_at(std::exp(mid), validation, test, exit_macs);
    if (point.validation.mean_macs <= budget_macs) {
      lo = mid;
      below = std::move(point);
    } else {
      hi = mid;
    }
  }
  return below;
}

}  // namespace chase::eval

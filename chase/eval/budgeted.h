// Budgeted batch classification, as MSDNet evaluates it (Huang et al., ICLR 2018,
// section 5.2; kalviny/MSDNet-PyTorch adaptive_inference.py) and CHASE reports it:
// a test set must be classified within a total budget, so each image leaves at the
// first exit whose confidence (its largest softmax probability) reaches that exit's
// threshold, the last exit taking every image left.
//
// The thresholds come from a validation set and a prior over exits: for p > 0 the
// fraction of images meant to leave at exit k (1-based) is proportional to p^k. Exit
// by exit, floor(N * prior[k]) of the images still in the validation set leave:
// the threshold is the confidence of the last of them in descending order (ties
// with it leave as well). Where fewer images are left than that, or the prior
// sends none, nobody leaves there. Sweeping p traces accuracy against the average
// multiply-adds per image.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace chase::eval {

// Every exit's answer for every image of a set, from its softmax.
struct ExitPredictions {
  std::vector<std::vector<float>> confidence;      // [exit][image]: largest probability
  std::vector<std::vector<std::int64_t>> predicted;  // [exit][image]: that class
  std::vector<std::int64_t> labels;                // [image]

  std::int64_t exit_count() const { return static_cast<std::int64_t>(confidence.size()); }
  std::int64_t image_count() const { return static_cast<std::int64_t>(labels.size()); }
  // Throws chase::Error naming `what` when the arrays disagree in size or hold
  // a confidence outside [0, 1] (a NaN included).
  void validate(const std::string& what) const;
};

// A threshold no probability reaches (nobody leaves) and one every probability
// passes (everybody left leaves): MSDNet's 1e8 and -1e8.
inline constexpr float kNobodyLeaves = 1e8f;
inline constexpr float kEverybodyLeaves = -1e8f;

// probs[k] proportional to p^(k+1), k = 0..exits-1, summing to 1.
std::vector<double> geometric_exit_prior(double p, std::int64_t exits);

// The thresholds that make the fraction of `validation`'s images leaving at
// exit k follow `prior` (one entry per exit); the last is kEverybodyLeaves.
std::vector<float> fit_thresholds(const ExitPredictions& validation,
                                  std::span<const double> prior);

struct BudgetedOutcome {
  double accuracy = 0;                // fraction of images classified right
  double mean_macs = 0;               // sum over k of fraction_k * exit_macs[k]
  std::vector<double> exit_fraction;  // [exit]: the share of images that left there
};

// Sends every image of `set` out at its first exit whose confidence is >= the
// threshold. exit_macs[k] is what an image leaving at exit k costs.
BudgetedOutcome apply_thresholds(const ExitPredictions& set, std::span<const float> thresholds,
                                 std::span<const double> exit_macs);

struct BudgetedPoint {
  double p = 0;
  std::vector<float> thresholds;
  BudgetedOutcome validation, test;
};

// MSDNet's sweep: p = 0.05, 0.10, ..., 1.95, thresholds fitted on `validation`,
// applied to both sets.
std::vector<BudgetedPoint> budgeted_sweep(const ExitPredictions& validation,
                                          const ExitPredictions& test,
                                          std::span<const double> exit_macs);

// The thresholds of largest validation cost at or below `budget_macs`, found by
// bisection on log p in [1e-4, 1e4]. A budget outside [exit_macs.front(),
// exit_macs.back()] throws chase::Error naming that range. Where even the
// smallest p costs more than the budget, every image leaves at the first exit.
BudgetedPoint thresholds_for_budget(const ExitPredictions& validation,
                                    const ExitPredictions& test,
                                    std::span<const double> exit_macs, double budget_macs);

}  // namespace chase::eval

// What `chase eval` writes into RUN/eval/: the anytime table (every exit's
// multiply-adds and accuracy), the budgeted curve (MSDNet's sweep over p) and the
// thresholds fitted for one budget, which `chase predict` reads back.
// Accuracies are in percent, costs in MFLOPs (millions of multiply-adds) per image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "chase/eval/accuracy_plot.h"
#include "chase/eval/budgeted.h"
#include "chase/eval/run_softmax.h"
#include "chase/flops/flops_counter.h"

namespace chase::eval {

struct AnytimeRow {
  std::int64_t exit = 0;  // 1-based
  std::int64_t macs_msdnet = 0, macs_lazy = 0, macs_sequential = 0;
  double test_top1 = 0;
  std::optional<double> test_top5;  // where there are at least 100 classes
  std::optional<double> val_top1;   // where the run held out a validation set
};

std::vector<AnytimeRow> anytime_rows(const FlopsProfile& flops, const RunSoftmax& softmax);

// exit,mflops_msdnet,mflops_lazy,mflops_sequential,test_top1[,test_top5][,val_top1]
std::string anytime_csv(const std::vector<AnytimeRow>& rows);

// Every exit's cost per image in `convention`, as doubles for the budgeted average.
std::vector<double> exit_macs(const FlopsProfile& flops, FlopsConvention convention);

// p,mflops_<convention>,test_top1,val_mflops,val_top1,share_1..share_K,threshold_1..threshold_K
// (share_k: the fraction of test images leaving at exit k).
std::string budgeted_csv(const std::vector<BudgetedPoint>& curve, FlopsConvention convention);

// The thresholds of one budget, as JSON: {"model", "checkpoint", "convention",
// "budget_mflops", "p", "thresholds", "validation": {"mflops", "top1", "shares"},
// "test": {...}}.
std::string thresholds_json(const BudgetedPoint& point, const std::string& model,
                            const std::string& checkpoint_key, FlopsConvention convention,
                            double budget_macs);

struct SavedThresholds {
  std::string model;
  std::vector<float> thresholds;
};
// Reads a file thresholds_json wrote; throws chase::Error naming the file and the
// field that is missing or malformed.
SavedThresholds load_thresholds(const std::string& path);

// The named columns of a CSV file with a header row, as numbers. Throws
// chase::Error naming the file, and the line and column that is missing or not
// a number.
std::vector<std::vector<double>> read_csv_columns(const std::filesystem::path& path,
                                                  const std::vector<std::string>& names);

// A run's anytime points and budgeted curve from RUN/eval/anytime.csv and
// RUN/eval/budgeted.csv (written by chase eval; either may be missing, not
// both), MFLOPs in `convention`: the budgeted curve must have been computed in it.
PlottedRun read_plotted_run(const std::filesystem::path& run_dir, const std::string& label,
                            FlopsConvention convention);

// Published or other reference numbers: a CSV with the header label,mflops,top1.
std::vector<ReferencePoint> read_reference_points(const std::filesystem::path& path);

}  // namespace chase::eval

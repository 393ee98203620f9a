// What a training run writes to its output folder as it goes:
//   metrics.jsonl  one JSON object per finished epoch (for scripts and plots),
//   train.log      the same numbers, and notes such as "resumed at epoch 3",
//                  as lines a person reads.
// Every line is flushed as soon as it is written, so an interrupted run keeps
// its record up to the last finished epoch.
//
// A line of metrics.jsonl holds the last exit's figures at the top level (the
// model used as a plain classifier: what readers of one-exit runs expect), the
// validation split's where the run holds one out, and every exit's under
// "exits":
//   {"epoch":3,"train_loss":..,"train_acc":..,"test_loss":..,"test_accuracy":..,
//    "lr":..,"seconds":..,"images_per_s":..,"data_wait_fraction":..,
//    "exits":[{"exit":1,"train_acc":..,"test_loss":..,"test_top1":..},...]}
// with "val_loss"/"val_accuracy" and per exit "val_loss"/"val_top1" for a
// validation split, and "test_top5" ("val_top5") for 100 or more classes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace chase::train {

struct ExitMetrics {
  std::int64_t exit = 0;  // 1-based
  double train_acc = 0;   // running mean over the epoch's batches
  double test_loss = 0, test_top1 = 0;
  std::optional<double> test_top5{};
  std::optional<double> val_loss{}, val_top1{}, val_top5{};
};

struct EpochMetrics {
  std::int64_t epoch = 0;                // 1-based
  double train_loss = 0, train_acc = 0;  // running means over the epoch's batches
  double test_loss = 0, test_accuracy = 0;
  double lr = 0;                  // the rate of the epoch's last step
  double seconds = 0;             // training time of the epoch, evaluation excluded
  double images_per_s = 0;        // training images per second
  double data_wait_fraction = 0;  // share of `seconds` spent waiting for batches
  std::optional<double> val_loss{}, val_accuracy{};  // with a validation split
  std::vector<ExitMetrics> exits{};  // every exit; empty in records older than them
};

// One line of metrics.jsonl (no newline) and back; from_json_line throws
// chase::Error naming the missing or malformed field.
std::string to_json_line(const EpochMetrics& metrics);
EpochMetrics from_json_line(const std::string& line);
// "epoch 3: train loss 0.2913 acc 89.41% | test loss 0.2710 acc 90.12% | lr 0.0345 | "
// "61.2 s, 983 img/s, data wait 0.4%" (one line), with "| val loss .. acc .." after
// the test figures for a validation split and, for several exits, the first and
// last exit's test accuracy at the end.
std::string to_log_line(const EpochMetrics& metrics);

class RunLog {
 public:
  // Opens (creating) `folder`/metrics.jsonl and `folder`/train.log. metrics.jsonl
  // is rewritten to hold exactly `history` (the finished epochs of a resumed run,
  // or none), atomically; train.log is appended to.
  RunLog(const std::filesystem::path& folder, const std::vector<EpochMetrics>& history);

  void append(const EpochMetrics& metrics);  // to both files
  void note(const std::string& text);        // to train.log only

  static constexpr const char* kMetricsFile = "metrics.jsonl";
  static constexpr const char* kLogFile = "train.log";

 private:
  std::filesystem::path metrics_path_, log_path_;
  std::ofstream metrics_, log_;
};

}  // namespace chase::train

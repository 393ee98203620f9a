// What the trainer reports: the progress line and the per-epoch records.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process, so that concurrent runs do not collide

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chase/train/metrics_log.h"
#include "chase/train/progress.h"
#include "tensor/error.h"

using namespace chase::train;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

EpochMetrics sample_metrics(std::int64_t epoch) {
  return {.epoch = epoch,
          .train_loss = 0.5,
          .train_acc = 0.8125,
          .test_loss = 0.375,
          .test_accuracy = 0.9,
          .lr = 0.05,
          .seconds = 12.5,
          .images_per_s = 4800,
          .data_wait_fraction = 0.01};
}

}  // namespace

TEST_CASE("progress: durations, running means and the progress line") {
  CHECK(format_duration(0.4) == "0s");
  CHECK(format_duration(59) == "59s");
  CHECK(format_duration(221) == "3m41s");
  CHECK(format_duration(3720) == "1h02m");

  EpochProgress progress(2, 5, 4, 400);
  progress.add_step(100, 1.0, 50);
  progress.add_step(50, 0.25, 50);
  CHECK(progress.steps() == 2);
  CHECK(progress.images() == 150);
  CHECK(progress.mean_loss() == doctest::Approx((100 * 1.0 + 50 * 0.25) / 150));
  CHECK(progress.accuracy() == doctest::Approx(100.0 / 150));
  auto line = progress.line();
  CHECK(line.find("epoch 2/5  step 2/4  loss 0.7500  acc 66.67%") == 0);
  CHECK(line.find("img/s  ETA ") != std::string::npos);
  CHECK(progress.images_left() == 250 + 3 * 400);  // this epoch's rest and 3 more epochs
}

TEST_CASE("metrics: a JSON line per epoch, read back exactly") {
  auto metrics = sample_metrics(3);
  auto line = to_json_line(metrics);
  CHECK(line.find("{\"epoch\":3,\"train_loss\":0.5,") == 0);
  auto back = from_json_line(line);
  CHECK(back.epoch == 3);
  CHECK(back.test_accuracy == metrics.test_accuracy);
  CHECK(back.data_wait_fraction == metrics.data_wait_fraction);
  CHECK(to_log_line(metrics).find("epoch 3: train loss 0.5000 acc 81.25% | test loss 0.3750 "
                                  "acc 90.00%") == 0);

  CHECK_THROWS_WITH_AS(from_json_line("{\"epoch\":1}"),
                       "metrics: expected a number 'train_loss' in '{\"epoch\":1}'", chase::Error);
  CHECK_THROWS_AS(from_json_line("not json"), chase::Error);
}

TEST_CASE("run log: metrics.jsonl holds exactly the given history, train.log grows") {
  auto folder = std::filesystem::temp_directory_path() / fmt::format("chase_test_run_log_{}", getpid());
  std::filesystem::remove_all(folder);
  {
    RunLog log(folder, {});
    log.append(sample_metrics(1));
    log.append(sample_metrics(2));
  }
  CHECK(read_file(folder / RunLog::kMetricsFile) ==
        to_json_line(sample_metrics(1)) + "\n" + to_json_line(sample_metrics(2)) + "\n");
  {
    // A resumed run whose checkpoint has epoch 1 only: epoch 2's line goes.
    RunLog log(folder, {sample_metrics(1)});
    log.note("resumed");
  }
  CHECK(read_file(folder / RunLog::kMetricsFile) == to_json_line(sample_metrics(1)) + "\n");
  auto log_text = read_file(folder / RunLog::kLogFile);
  CHECK(log_text.find("epoch 2: train loss") != std::string::npos);
  CHECK(log_text.find("] resumed\n") != std::string::npos);
  std::filesystem::remove_all(folder);
}

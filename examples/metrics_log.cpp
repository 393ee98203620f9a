#include "examples/metrics_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "tensor/error.h"

namespace chase::train {
namespace {

// The real-valued fields of EpochMetrics (const or not) by their JSON names,
// in the order they are written.
template <class Metrics, class Visit>
void visit_fields(Metrics& m, Visit&& visit) {
  visit("train_loss", m.train_loss);
  visit("train_acc", m.train_acc);
  visit("test_loss", m.test_loss);
  visit("test_accuracy", m.test_accuracy);
  visit("lr", m.lr);
  visit("seconds", m.seconds);
  visit("images_per_s", m.images_per_s);
  visit("data_wait_fraction", m.data_wait_fraction);
}

std::ofstream open_for_writing(const std::filesystem::path& path, std::ios::openmode mode) {
  std::ofstream file(path, mode);
  CHASE_CHECK(file.good(), "RunLog: cannot open {} for writing", path.string());
  return file;
}

}  // namespace

std::string to_json_line(const EpochMetrics& metrics) {
  // ordered_json keeps epoch first, as a person reading the file expects.
  nlohmann::ordered_json object;
  object["epoch"] = metrics.epoch;
  visit_fields(metrics, [&](const char* name, double value) { object[name] = value; });
  return object.dump();
}

EpochMetrics from_json_line(const std::string& line) {
  auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  CHASE_CHECK(object.is_object(), "metrics: expected a JSON object, got '{}'", line);
  EpochMetrics metrics;
  CHASE_CHECK(object.contains("epoch") && object["epoch"].is_number_integer(),
              "metrics: expected an integer 'epoch' in '{}'", line);
  metrics.epoch = object["epoch"].get<std::int64_t>();
  visit_fields(metrics, [&](const char* name, double& value) {
    CHASE_CHECK(object.contains(name) && object[name].is_number(),
                "metrics: expected a number '{}' in '{}'", name, line);
    value = object[name].get<double>();
  });
  return metrics;
}

std::string to_log_line(const EpochMetrics& m) {
  return fmt::format(
      "epoch {}: train loss {:.4f} acc {:.2f}% | test loss {:.4f} acc {:.2f}% | lr {:.4g} | "
      "{:.1f} s, {:.0f} img/s, data wait {:.1f}%",
      m.epoch, m.train_loss, 100.0 * m.train_acc, m.test_loss, 100.0 * m.test_accuracy, m.lr,
      m.seconds, m.images_per_s, 100.0 * m.data_wait_fraction);
}

RunLog::RunLog(const std::filesystem::path& folder, const std::vector<EpochMetrics>& history)
    : metrics_path_(folder / kMetricsFile), log_path_(folder / kLogFile) {
  std::filesystem::create_directories(folder);
  // Written aside and renamed: a crash leaves the old record or the new one.
  auto staged = metrics_path_;
  staged += ".tmp";
  {
    auto file = open_for_writing(staged, std::ios::trunc);
    for (const auto& metrics : history) file << to_json_line(metrics) << '\n';
    file.flush();
    CHASE_CHECK(file.good(), "RunLog: cannot write {}", staged.string());
  }
  std::filesystem::rename(staged, metrics_path_);
  metrics_ = open_for_writing(metrics_path_, std::ios::app);
  log_ = open_for_writing(log_path_, std::ios::app);
}

void RunLog::append(const EpochMetrics& metrics) {
  metrics_ << to_json_line(metrics) << '\n' << std::flush;
  note(to_log_line(metrics));
  CHASE_CHECK(metrics_.good(), "RunLog: cannot write {}", metrics_path_.string());
}

void RunLog::note(const std::string& text) {
  log_ << fmt::format("[{:%Y-%m-%d %H:%M:%S}] {}\n", fmt::localtime(std::time(nullptr)), text)
       << std::flush;
  CHASE_CHECK(log_.good(), "RunLog: cannot write {}", log_path_.string());
}

}  // namespace chase::train

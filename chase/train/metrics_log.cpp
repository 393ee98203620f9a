#include "chase/train/metrics_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "chase/train/text_file.h"
#include "tensor/error.h"

namespace chase::train {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

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

template <class Metrics, class Visit>
void visit_optional_fields(Metrics& m, Visit&& visit) {
  visit("val_loss", m.val_loss);
  visit("val_accuracy", m.val_accuracy);
}

template <class Exit, class Visit>
void visit_exit_fields(Exit& e, Visit&& visit) {
  visit("train_acc", e.train_acc);
  visit("test_loss", e.test_loss);
  visit("test_top1", e.test_top1);
}

template <class Exit, class Visit>
void visit_optional_exit_fields(Exit& e, Visit&& visit) {
  visit("test_top5", e.test_top5);
  visit("val_loss", e.val_loss);
  visit("val_top1", e.val_top1);
  visit("val_top5", e.val_top5);
}

void read_number(const Json& object, const char* name, double& value, const std::string& line) {
  CHASE_CHECK(object.contains(name) && object[name].is_number(),
              "metrics: expected a number '{}' in '{}'", name, line);
  value = object[name].get<double>();
}

void read_optional_number(const Json& object, const char* name, std::optional<double>& value,
                          const std::string& line) {
  if (!object.contains(name)) return;
  CHASE_CHECK(object[name].is_number(), "metrics: expected '{}' to be a number in '{}'", name,
              line);
  value = object[name].get<double>();
}

std::ofstream open_for_writing(const std::filesystem::path& path, std::ios::openmode mode) {
  std::ofstream file(path, mode);
  CHASE_CHECK(file.good(), "RunLog: cannot open {} for writing", path.string());
  return file;
}

}  // namespace

std::string to_json_line(const EpochMetrics& metrics) {
  // ordered_json keeps epoch first, as a person reading the file expects.
  OrderedJson object;
  object["epoch"] = metrics.epoch;
  auto write = [&](OrderedJson& into) {
    return [&into](const char* name, const auto& value) {
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::optional<double>>) {
        if (value) into[name] = *value;
      } else {
        into[name] = value;
      }
    };
  };
  visit_fields(metrics, write(object));
  visit_optional_fields(metrics, write(object));
  if (!metrics.exits.empty()) {
    auto exits = OrderedJson::array();
    for (const auto& exit : metrics.exits) {
      OrderedJson entry;
      entry["exit"] = exit.exit;
      visit_exit_fields(exit, write(entry));
      visit_optional_exit_fields(exit, write(entry));
      exits.push_back(std::move(entry));
    }
    object["exits"] = std::move(exits);
  }
  return object.dump();
}

EpochMetrics from_json_line(const std::string& line) {
  auto object = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  CHASE_CHECK(object.is_object(), "metrics: expected a JSON object, got '{}'", line);
  EpochMetrics metrics;
  CHASE_CHECK(object.contains("epoch") && object["epoch"].is_number_integer(),
              "metrics: expected an integer 'epoch' in '{}'", line);
  metrics.epoch = object["epoch"].get<std::int64_t>();
  visit_fields(metrics, [&](const char* name, double& value) {
    read_number(object, name, value, line);
  });
  visit_optional_fields(metrics, [&](const char* name, std::optional<double>& value) {
    read_optional_number(object, name, value, line);
  });
  if (object.contains("exits")) {
    CHASE_CHECK(object["exits"].is_array(), "metrics: expected 'exits' to be an array in '{}'",
                line);
    for (const auto& entry : object["exits"]) {
      CHASE_CHECK(entry.is_object() && entry.contains("exit") && entry["exit"].is_number_integer(),
                  "metrics: expected each of 'exits' to be an object with an integer 'exit' in "
                  "'{}'",
                  line);
      ExitMetrics exit;
      exit.exit = entry["exit"].get<std::int64_t>();
      visit_exit_fields(exit, [&](const char* name, double& value) {
        read_number(entry, name, value, line);
      });
      visit_optional_exit_fields(exit, [&](const char* name, std::optional<double>& value) {
        read_optional_number(entry, name, value, line);
      });
      metrics.exits.push_back(exit);
    }
  }
  return metrics;
}

std::string to_log_line(const EpochMetrics& m) {
  auto line = fmt::format("epoch {}: train loss {:.4f} acc {:.2f}% | test loss {:.4f} acc {:.2f}%",
                          m.epoch, m.train_loss, 100.0 * m.train_acc, m.test_loss,
                          100.0 * m.test_accuracy);
  if (m.val_loss && m.val_accuracy) {
    line += fmt::format(" | val loss {:.4f} acc {:.2f}%", *m.val_loss, 100.0 * *m.val_accuracy);
  }
  line += fmt::format(" | lr {:.4g} | {:.1f} s, {:.0f} img/s, data wait {:.1f}%", m.lr, m.seconds,
                      m.images_per_s, 100.0 * m.data_wait_fraction);
  if (m.exits.size() > 1) {
    line += fmt::format(" | test acc exit {} {:.2f}%, exit {} {:.2f}%", m.exits.front().exit,
                        100.0 * m.exits.front().test_top1, m.exits.back().exit,
                        100.0 * m.exits.back().test_top1);
  }
  return line;
}

RunLog::RunLog(const std::filesystem::path& folder, const std::vector<EpochMetrics>& history)
    : metrics_path_(folder / kMetricsFile), log_path_(folder / kLogFile) {
  std::filesystem::create_directories(folder);
  // Written aside and renamed: a crash leaves the old record or the new one.
  std::string record;
  for (const auto& metrics : history) record += to_json_line(metrics) + '\n';
  write_text_file(metrics_path_, record);
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

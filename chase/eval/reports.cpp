#include "chase/eval/reports.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chase/train/evaluate.h"
#include "chase/train/text_file.h"
#include "tensor/error.h"

namespace chase::eval {

namespace {

constexpr double kMega = 1e6;

double percent(double fraction) { return 100.0 * fraction; }

nlohmann::ordered_json outcome_json(const BudgetedOutcome& outcome) {
  return {{"mflops", outcome.mean_macs / kMega},
          {"top1", percent(outcome.accuracy)},
          {"shares", outcome.exit_fraction}};
}

}  // namespace

std::vector<AnytimeRow> anytime_rows(const FlopsProfile& flops, const RunSoftmax& softmax) {
  const auto msdnet = flops.exits(FlopsConvention::msdnet);
  const auto lazy = flops.exits(FlopsConvention::lazy);
  const auto sequential = flops.exits(FlopsConvention::sequential);
  CHASE_CHECK(std::ssize(msdnet) == softmax.test.exit_count(),
              "anytime: the FLOPs profile has {} exits, the softmax {}", msdnet.size(),
              softmax.test.exit_count());
  const bool top5 = softmax.test.classes >= train::kTop5MinClasses;
  std::vector<AnytimeRow> rows;
  for (std::int64_t k = 0; k < softmax.test.exit_count(); ++k) {
    const auto i = static_cast<std::size_t>(k);
    AnytimeRow row{.exit = k + 1,
                   .macs_msdnet = msdnet[i].macs,
                   .macs_lazy = lazy[i].macs,
                   .macs_sequential = sequential[i].macs,
                   .test_top1 = percent(top_k_accuracy(softmax.test, k, 1)),
                   .test_top5 = std::nullopt,
                   .val_top1 = std::nullopt};
    if (top5) row.test_top5 = percent(top_k_accuracy(softmax.test, k, 5));
    if (softmax.validation) row.val_top1 = percent(top_k_accuracy(*softmax.validation, k, 1));
    rows.push_back(row);
  }
  return rows;
}

std::string anytime_csv(const std::vector<AnytimeRow>& rows) {
  CHASE_CHECK(!rows.empty(), "anytime csv: no exits");
  std::string out = "exit,mflops_msdnet,mflops_lazy,mflops_sequential,test_top1";
  if (rows.front().test_top5) out += ",test_top5";
  if (rows.front().val_top1) out += ",val_top1";
  out += "\n";
  for (const auto& row : rows) {
    out += fmt::format("{},{:.6f},{:.6f},{:.6f},{:.2f}", row.exit, row.macs_msdnet / kMega,
                       row.macs_lazy / kMega, row.macs_sequential / kMega, row.test_top1);
    if (row.test_top5) out += fmt::format(",{:.2f}", *row.test_top5);
    if (row.val_top1) out += fmt::format(",{:.2f}", *row.val_top1);
    out += "\n";
  }
  return out;
}

std::vector<double> exit_macs(const FlopsProfile& flops, FlopsConvention convention) {
  std::vector<double> out;
  for (const auto& exit : flops.exits(convention)) out.push_back(static_cast<double>(exit.macs));
  return out;
}

std::string budgeted_csv(const std::vector<BudgetedPoint>& curve, FlopsConvention convention) {
  CHASE_CHECK(!curve.empty(), "budgeted csv: no points");
  const auto exits = curve.front().thresholds.size();
  std::string out = fmt::format("p,mflops_{},test_top1,val_mflops,val_top1", name(convention));
  for (std::size_t k = 1; k <= exits; ++k) out += fmt::format(",share_{}", k);
  for (std::size_t k = 1; k <= exits; ++k) out += fmt::format(",threshold_{}", k);
  out += "\n";
  for (const auto& point : curve) {
    out += fmt::format("{:.2f},{:.6f},{:.2f},{:.6f},{:.2f}", point.p, point.test.mean_macs / kMega,
                       percent(point.test.accuracy), point.validation.mean_macs / kMega,
                       percent(point.validation.accuracy));
    for (double share : point.test.exit_fraction) out += fmt::format(",{:.4f}", share);
    for (float threshold : point.thresholds) out += fmt::format(",{:.9g}", threshold);
    out += "\n";
  }
  return out;
}

std::string thresholds_json(const BudgetedPoint& point, const std::string& model,
                            const std::string& checkpoint_key, FlopsConvention convention,
                            double budget_macs) {
  nlohmann::ordered_json j{{"model", model},
                           {"checkpoint", checkpoint_key},
                           {"convention", name(convention)},
                           {"budget_mflops", budget_macs / kMega},
                           {"p", point.p},
                           {"thresholds", point.thresholds},
                           {"validation", outcome_json(point.validation)},
                           {"test", outcome_json(point.test)}};
  return j.dump(2) + "\n";
}

SavedThresholds load_thresholds(const std::string& path) {
  auto j = nlohmann::json::parse(train::read_text_file(path), nullptr, /*allow_exceptions=*/false);
  CHASE_CHECK(j.is_object(), "thresholds file {}: not a JSON object", path);
  CHASE_CHECK(j.contains("model") && j["model"].is_string(),
              "thresholds file {}: no \"model\" string", path);
  CHASE_CHECK(j.contains("thresholds") && j["thresholds"].is_array() && !j["thresholds"].empty(),
              "thresholds file {}: no \"thresholds\" array", path);
  SavedThresholds out;
  out.model = j["model"].get<std::string>();
  for (const auto& t : j["thresholds"]) {
    CHASE_CHECK(t.is_number(), "thresholds file {}: threshold {} is not a number", path,
                t.dump());
    out.thresholds.push_back(t.get<float>());
  }
  return out;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!fields.empty() && !fields.back().empty() && fields.back().back() == '\r') {
    fields.back().pop_back();
  }
  return fields;
}

double parse_number(const std::string& text, const std::filesystem::path& path,
                    std::size_t line, const std::string& column) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  CHASE_CHECK(used == text.size() && used > 0 && std::isfinite(value),
              "{}, line {}: column {} holds '{}', not a finite number", path.string(), line, column,
              text);
  return value;
}

struct CsvText {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // with the header's number of fields
  std::vector<std::size_t> lines;               // each row's line in the file
};

CsvText read_csv(const std::filesystem::path& path) {
  std::istringstream text(train::read_text_file(path));
  CsvText csv;
  std::string line;
  CHASE_CHECK(std::getline(text, line), "{}: empty, expected a header row", path.string());
  csv.header = split_csv_line(line);
  for (std::size_t number = 2; std::getline(text, line); ++number) {
    if (line.empty()) continue;
    auto fields = split_csv_line(line);
    CHASE_CHECK(fields.size() == csv.header.size(), "{}, line {}: {} fields, the header has {}",
                path.string(), number, fields.size(), csv.header.size());
    csv.rows.push_back(std::move(fields));
    csv.lines.push_back(number);
  }
  return csv;
}

std::size_t column_index(const CsvText& csv, const std::string& name,
                         const std::filesystem::path& path) {
  const auto it = std::find(csv.header.begin(), csv.header.end(), name);
  CHASE_CHECK(it != csv.header.end(), "{}: no column '{}' (the header is {})", path.string(),
              name, fmt::join(csv.header, ","));
  return static_cast<std::size_t>(it - csv.header.begin());
}

}  // namespace

std::vector<std::vector<double>> read_csv_columns(const std::filesystem::path& path,
                                                  const std::vector<std::string>& names) {
  const auto csv = read_csv(path);
  std::vector<std::vector<double>> columns;
  for (const auto& name : names) {
    const auto index = column_index(csv, name, path);
    auto& column = columns.emplace_back();
    for (std::size_t row = 0; row < csv.rows.size(); ++row) {
      column.push_back(parse_number(csv.rows[row][index], path, csv.lines[row], name));
    }
  }
  return columns;
}

PlottedRun read_plotted_run(const std::filesystem::path& run_dir, const std::string& label,
                            FlopsConvention convention) {
  const auto anytime = run_dir / "eval" / "anytime.csv";
  const auto budgeted = run_dir / "eval" / "budgeted.csv";
  CHASE_CHECK(std::filesystem::exists(anytime) || std::filesystem::exists(budgeted),
              "{}: no {} nor {}; run chase eval --run {} first", run_dir.string(),
              anytime.string(), budgeted.string(), run_dir.string());
  const auto x = fmt::format("mflops_{}", name(convention));
  PlottedRun run{.label = label, .anytime = {}, .budgeted = {}};
  if (std::filesystem::exists(anytime)) {
    auto columns = read_csv_columns(anytime, {x, "test_top1"});
    run.anytime = {std::move(columns[0]), std::move(columns[1])};
  }
  if (std::filesystem::exists(budgeted)) {
    const auto csv = read_csv(budgeted);
    CHASE_CHECK(std::find(csv.header.begin(), csv.header.end(), x) != csv.header.end(),
                "{}: its MFLOPs are not in the {} convention; rerun chase eval --run {} "
                "--convention {}",
                budgeted.string(), name(convention), run_dir.string(), name(convention));
    auto columns = read_csv_columns(budgeted, {x, "test_top1"});
    run.budgeted = {std::move(columns[0]), std::move(columns[1])};
  }
  return run;
}

std::vector<ReferencePoint> read_reference_points(const std::filesystem::path& path) {
  const auto csv = read_csv(path);
  const auto label = column_index(csv, "label", path);
  const auto mflops = column_index(csv, "mflops", path);
  const auto top1 = column_index(csv, "top1", path);
  std::vector<ReferencePoint> points;
  for (std::size_t row = 0; row < csv.rows.size(); ++row) {
    const auto& fields = csv.rows[row];
    points.push_back({.label = fields[label],
                      .mflops = parse_number(fields[mflops], path, csv.lines[row], "mflops"),
                      .top1 = parse_number(fields[top1], path, csv.lines[row], "top1")});
  }
  return points;
}

}  // namespace chase::eval

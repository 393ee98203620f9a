// chase eval --run RUN_DIR [--checkpoint FILE] [--mode anytime|budgeted|both]
//            [--convention msdnet|lazy|sequential] [--budget MFLOPS] [--data DIR]
// Anytime and budgeted evaluation of a trained run (chase/eval/): every exit's
// softmax on the test set and the recorded validation hold-out, computed once per
// checkpoint, then RUN/eval/anytime.csv, RUN/eval/budgeted.csv and, for a budget,
// the thresholds `chase predict` reads.
#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "chase/eval/reports.h"
#include "chase/eval/trained_run.h"
#include "chase/train/text_file.h"
#include "examples/cli.h"
#include "examples/commands.h"
#include "tensor/error.h"

namespace chase::commands {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kModes = {"anytime", "budgeted", "both"};

cli::ArgParser make_parser() {
  cli::ArgParser parser(
      "chase eval",
      "Evaluates a trained run at every exit. anytime: each exit's MFLOPs per image (every\n"
      "convention) and test accuracy -> RUN/eval/anytime.csv. budgeted: MSDNet's budgeted batch\n"
      "classification, exit thresholds fitted on the run's validation hold-out for p = 0.05 ..\n"
      "1.95 and applied to the test set -> RUN/eval/budgeted.csv. Every exit's softmax is\n"
      "computed once per checkpoint and cached in RUN/eval/.");
  parser.option("run", "DIR", "the run folder (chase train --out)")
      .option("checkpoint", "FILE", "model weights (default: the run's latest checkpoint)")
      .option("mode", "MODE", "anytime | budgeted | both", "both")
      .option("convention", "NAME",
              "FLOPs convention of the budgeted average: msdnet | lazy | sequential", "msdnet")
      .option("budget", "MFLOPS",
              "also fit the thresholds of largest validation cost within this budget and save "
              "them to RUN/eval/thresholds-MFLOPS.json for chase predict")
      .option("data", "DIR", "dataset folder (required for cifar; default for fashion-mnist)")
      .option("device", "DEVICE", "cpu | cuda | cuda:N", "cpu")
      .option("workers", "N", "data-loading threads", "2");
  return parser;
}

struct EvalRequest {
  eval::TrainedRunOptions run;
  std::string mode;
  FlopsConvention convention = FlopsConvention::msdnet;
  std::optional<double> budget_mflops;
  int workers = 2;
};

EvalRequest to_request(const cli::ParsedArgs& parsed) {
  EvalRequest request;
  request.run.run_dir = parsed.string("run");
  if (parsed.has("checkpoint")) request.run.checkpoint = parsed.string("checkpoint");
  if (parsed.has("data")) request.run.data_dir = parsed.string("data");
  request.run.device = parsed.string("device");
  request.mode = parsed.choice("mode", kModes);
  request.convention = parse_flops_convention(parsed.string("convention"));
  if (parsed.has("budget")) {
    request.budget_mflops = parsed.real("budget");
    if (!(*request.budget_mflops > 0)) {
      throw cli::UsageError(
          fmt::format("--budget: expected a positive number of MFLOPs, got {}",
                      parsed.string("budget")));
    }
  }
  request.workers = static_cast<int>(parsed.integer("workers"));
  if (request.workers < 0) throw cli::UsageError("--workers: expected 0 or more");
  return request;
}

void print_anytime(const std::vector<eval::AnytimeRow>& rows) {
  fmt::print("anytime: every image through exit k\n{:>5}  {:>12}  {:>12}  {:>10}  {:>9}\n", "exit",
             "MFLOPs msdnet", "sequential", "test top-1", "val top-1");
  for (const auto& row : rows) {
    fmt::print("{:>5}  {:>12.2f}  {:>12.2f}  {:>9.2f}%  {:>9}\n", row.exit, row.macs_msdnet / 1e6,
               row.macs_sequential / 1e6, row.test_top1,
               row.val_top1 ? fmt::format("{:.2f}%", *row.val_top1) : "-");
  }
}

void print_point(const char* label, const eval::BudgetedPoint& point) {
  fmt::print("{}: p {:.4g}, test {:.2f} MFLOPs {:.2f}% (validation {:.2f} MFLOPs {:.2f}%)\n", label,
             point.p, point.test.mean_macs / 1e6, 100 * point.test.accuracy,
             point.validation.mean_macs / 1e6, 100 * point.validation.accuracy);
}

void evaluate(const EvalRequest& request) {
  auto run = eval::open_trained_run(request.run);
  fmt::print("{}: {} ({} exits) on {}, weights {}\n", run.run_dir.string(), run.model_name,
             run.model->exit_count(), run.dataset, run.checkpoint.string());
  const auto softmax = eval::run_softmax(run, request.workers);
  fmt::print("softmax of every exit on {} test{} images: {} {}\n", softmax.test.image_count(),
             softmax.validation
                 ? fmt::format(" and {} validation", softmax.validation->image_count())
                 : std::string(),
             softmax.from_cache ? "read from" : "cached in", softmax.cache.string());
  const auto shape = run.data.test->image_shape();
  const auto flops = profile_flops(*run.model, {shape.channels, shape.height, shape.width});
  const auto eval_dir = run.run_dir / "eval";

  if (request.mode != "budgeted") {
    const auto rows = eval::anytime_rows(flops, softmax);
    print_anytime(rows);
    train::write_text_file(eval_dir / "anytime.csv", eval::anytime_csv(rows));
    fmt::print("wrote {}\n", (eval_dir / "anytime.csv").string());
  }
  if (request.mode == "anytime" && !request.budget_mflops) return;
  const auto macs = eval::exit_macs(flops, request.convention);
  const auto validation = eval::exit_predictions(eval::validation_for_thresholds(softmax, run));
  const auto test = eval::exit_predictions(softmax.test);
  if (request.mode != "anytime") {
    const auto curve = eval::budgeted_sweep(validation, test, macs);
    print_point("budgeted, cheapest (p 0.05)", curve.front());
    print_point("budgeted, dearest (p 1.95)", curve.back());
    train::write_text_file(eval_dir / "budgeted.csv", eval::budgeted_csv(curve, request.convention));
    fmt::print("wrote {} ({} points, MFLOPs in the {} convention)\n",
               (eval_dir / "budgeted.csv").string(), curve.size(), name(request.convention));
  }
  if (request.budget_mflops) {
    const double budget = *request.budget_mflops * 1e6;
    const auto point = eval::thresholds_for_budget(validation, test, macs, budget);
    print_point(fmt::format("budget {:g} MFLOPs", *request.budget_mflops).c_str(), point);
    const auto path = eval_dir / fmt::format("thresholds-{:g}.json", *request.budget_mflops);
    train::write_text_file(path, eval::thresholds_json(point, run.model_name, run.checkpoint_key,
                                                       request.convention, budget));
    fmt::print("wrote {}\n", path.string());
  }
}

}  // namespace

int eval(std::span<const std::string> args) {
  return cli::run_command(make_parser(), args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    return [request = to_request(parsed)] { evaluate(request); };
  });
}

}  // namespace chase::commands

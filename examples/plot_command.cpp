// chase plot RUN... [--labels A,B,...] [--reference FILE] [--title TEXT]
//            [--convention msdnet|lazy|sequential] --out STEM
// Overlays the anytime points and budgeted curves that `chase eval` wrote for
// each run (CHASE against MSDNet against the ablations), plus optional reference
// points, as STEM.png and STEM.svg (chase/eval/accuracy_plot.h).
#include <fmt/format.h>

#include "chase/eval/reports.h"
#include "examples/cli.h"
#include "examples/commands.h"

namespace chase::commands {
namespace {


cli::ArgParser make_parser() {
  cli::ArgParser parser(
      "chase plot",
      "Plots test accuracy against MFLOPs per image for one or more evaluated runs (chase eval\n"
      "writes RUN/eval/anytime.csv and budgeted.csv): each run's exits as points, its budgeted\n"
      "curve as a line, in one colour; writes STEM.png and STEM.svg.");
  parser.rest("RUN...", "run folders evaluated by chase eval")
      .option("out", "STEM", "output path without extension (required)")
      .option("labels", "A,B,...", "one legend label per run (default: the folder names)")
      .option("reference", "FILE", "reference points: a CSV with the header label,mflops,top1")
      .option("title", "TEXT", "plot title", "")
      .option("convention", "NAME", "FLOPs convention of the x axis", "msdnet");
  return parser;
}

struct PlotRequest {
  std::vector<std::string> runs, labels;
  std::string reference, title, out;
  FlopsConvention convention = FlopsConvention::msdnet;
};

PlotRequest to_request(const cli::ParsedArgs& parsed) {
  PlotRequest request;
  request.runs = parsed.rest();
  request.out = parsed.string("out");
  request.title = parsed.has("title") ? parsed.string("title") : "";
  if (parsed.has("reference")) request.reference = parsed.string("reference");
  request.convention = parse_flops_convention(parsed.string("convention"));
  if (parsed.has("labels")) {
    request.labels = cli::split_commas(parsed.string("labels"));
    if (request.labels.size() != request.runs.size()) {
      throw cli::UsageError(fmt::format("--labels: {} labels for {} runs", request.labels.size(),
                                        request.runs.size()));
    }
  } else {
    for (const auto& run : request.runs) {
      request.labels.push_back(std::filesystem::path(run).lexically_normal().filename().string());
    }
  }
  return request;
}

void plot(const PlotRequest& request) {
  eval::AccuracyPlot plot{.title = request.title, .runs = {}, .references = {}};
  for (std::size_t i = 0; i < request.runs.size(); ++i) {
    plot.runs.push_back(
        eval::read_plotted_run(request.runs[i], request.labels[i], request.convention));
  }
  if (!request.reference.empty()) plot.references = eval::read_reference_points(request.reference);
  eval::write_accuracy_plot(plot, request.out);
  fmt::print("wrote {}.png and {}.svg\n", request.out, request.out);
}

}  // namespace

int plot(std::span<const std::string> args) {
  return cli::run_command(make_parser(), args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    return [request = to_request(parsed)] { plot(request); };
  });
}

}  // namespace chase::commands

// chase predict --run RUN (--thresholds FILE | --budget MFLOPS[,MFLOPS...]) [IMAGE...]
// True early exit on a run's test set or on image files (chase/eval/early_exit.h): each image stops
// at the first exit confident enough, later stages run only on the images left.
// For every budget it reports the accuracy, the exits taken, the multiply-adds
// really executed beside the FLOPs counter's figure, the wall time per image and
// the speed-up over the full network, and whether the predictions equal the full
// pass's under the same thresholds.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "chase/eval/early_exit.h"
#include "chase/eval/reports.h"
#include "chase/eval/trained_run.h"
#include "chase/train/text_file.h"
#include "data/image_file.h"
#include "examples/cli.h"
#include "examples/commands.h"
#include "tensor/error.h"

namespace chase::commands {
namespace {

namespace fs = std::filesystem;

// The images within this distance of a threshold may leave at another exit on
// oneDNN, whose kernels depend on the batch's size (README of chase/eval).
constexpr float kThresholdTolerance = 1e-6f;

cli::ArgParser make_parser() {
  cli::ArgParser parser(
      "chase predict",
      "True early exit on a trained run's test set: each image leaves at the first exit whose\n"
      "confidence reaches its threshold, and nothing of the later exits is computed for it.\n"
      "Reports accuracy, exits taken, the multiply-adds executed beside the FLOPs counter's\n"
      "figure, time per image and the speed-up over the full network, for every budget.");
  parser.rest("IMAGE...", "PNG or PGM files to classify (default: the run's test set)", 0)
      .option("run", "DIR", "the run folder (chase train --out)")
      .option("budget", "MFLOPS,...",
              "one or more budgets in MFLOPs per image: thresholds fitted on the validation "
              "hold-out as chase eval --budget does")
      .option("thresholds", "FILE", "thresholds saved by chase eval --budget")
      .option("data", "DIR", "dataset folder (default: the dataset's default folder)")
      .option("checkpoint", "FILE", "model weights (default: the run's latest checkpoint)")
      .option("batch-size", "N", "images per batch", "500")
      .option("device", "DEVICE", "cpu | cuda | cuda:N", "cpu")
      .option("workers", "N", "data-loading threads", "2")
      .option("out", "FILE", "also write the report as JSON lines to FILE");
  return parser;
}

struct PredictRequest {
  eval::TrainedRunOptions run;
  std::vector<std::string> images;
  std::vector<double> budgets_mflops;
  std::string thresholds_file, out;
  std::int64_t batch_size = 500;
  int workers = 2;
};

std::vector<double> parse_budgets(const std::string& text) {
  std::vector<double> budgets;
  for (const auto& item : cli::split_commas(text)) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !(value > 0) || !std::isfinite(value)) {
      throw cli::UsageError(
          fmt::format("--budget: expected positive MFLOPs separated by commas, got '{}'", text));
    }
    budgets.push_back(value);
  }
  return budgets;
}

PredictRequest to_request(const cli::ParsedArgs& parsed) {
  PredictRequest request;
  request.run.run_dir = parsed.string("run");
  request.images = parsed.rest();
  if (parsed.has("checkpoint")) request.run.checkpoint = parsed.string("checkpoint");
  if (parsed.has("data")) request.run.data_dir = parsed.string("data");
  request.run.device = parsed.string("device");
  if (parsed.has("budget") == parsed.has("thresholds")) {
    throw cli::UsageError("give either --budget or --thresholds");
  }
  if (parsed.has("budget")) request.budgets_mflops = parse_budgets(parsed.string("budget"));
  if (parsed.has("thresholds")) request.thresholds_file = parsed.string("thresholds");
  if (parsed.has("out")) request.out = parsed.string("out");
  request.batch_size = parsed.integer("batch-size");
  if (request.batch_size < 1) throw cli::UsageError("--batch-size: expected 1 or more");
  request.workers = static_cast<int>(parsed.integer("workers"));
  if (request.workers < 0) throw cli::UsageError("--workers: expected 0 or more");
  return request;
}

struct NamedThresholds {
  std::string name;
  std::vector<float> thresholds;
};

// `softmax` is needed (and computed) only for budgets.
std::vector<NamedThresholds> thresholds_of(const PredictRequest& request, eval::TrainedRun& run,
                                           const std::optional<eval::RunSoftmax>& softmax,
                                           const FlopsProfile& flops) {
  std::vector<NamedThresholds> out;
  if (!request.thresholds_file.empty()) {
    auto saved = eval::load_thresholds(request.thresholds_file);
    CHASE_CHECK(saved.model == run.model_name, "{}: thresholds of {}, but the run trains {}",
                request.thresholds_file, saved.model, run.model_name);
    CHASE_CHECK(std::ssize(saved.thresholds) == run.model->exit_count(),
                "{}: {} thresholds for the {} exits of {}", request.thresholds_file,
                saved.thresholds.size(), run.model->exit_count(), run.model_name);
    out.push_back({request.thresholds_file, std::move(saved.thresholds)});
    return out;
  }
  const auto validation = eval::exit_predictions(eval::validation_for_thresholds(*softmax, run));
  const auto test = eval::exit_predictions(softmax->test);
  const auto macs = eval::exit_macs(flops, FlopsConvention::msdnet);
  for (double budget : request.budgets_mflops) {
    auto point = eval::thresholds_for_budget(validation, test, macs, budget * 1e6);
    out.push_back({fmt::format("budget {:g} MFLOPs", budget), std::move(point.thresholds)});
  }
  return out;
}

// `text` as a JSON string's contents.
std::string json_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// How the early-exit pass compares with the full pass (every exit computed for
// every image, the cached softmax) under the same thresholds.
struct Agreement {
  std::int64_t differ = 0;         // images with another exit or class
  std::int64_t near_threshold = 0;  // of those, within kThresholdTolerance of a threshold
};

Agreement compare_with_full_pass(const eval::EarlyExitResult& early,
                                 const eval::ExitPredictions& full,
                                 const std::vector<float>& thresholds) {
  Agreement agreement;
  const auto exits = static_cast<std::size_t>(full.exit_count());
  for (std::size_t i = 0; i < full.labels.size(); ++i) {
    std::size_t k = 0;
    while (k + 1 < exits && full.confidence[k][i] < thresholds[k]) ++k;
    if (early.exit_taken[i] == static_cast<std::int64_t>(k) &&
        early.predicted[i] == full.predicted[k][i]) {
      continue;
    }
    ++agreement.differ;
    bool near = false;
    for (std::size_t j = 0; j + 1 < exits; ++j) {
      near = near || std::abs(full.confidence[j][i] - thresholds[j]) <= kThresholdTolerance;
    }
    agreement.near_threshold += near;
  }
  return agreement;
}

// Each image file, converted and normalised as the run's test images, through
// early exit under every set of thresholds.
void predict_files(const PredictRequest& request, eval::TrainedRun& run,
                   const std::vector<NamedThresholds>& named, const FlopsProfile& flops) {
  const auto shape = run.data.test->image_shape();
  std::vector<double> values;
  for (std::size_t i = 0; i < request.images.size(); ++i) {
    auto pixels = data::read_image_file(request.images[i], shape);
    run.data.test_transforms.apply({pixels, shape}, 0, 0, static_cast<std::int64_t>(i));
    values.insert(values.end(), pixels.begin(), pixels.end());
  }
  const auto n = std::ssize(request.images);
  const auto batch = Tensor::from_vector(values, {n, shape.channels, shape.height, shape.width},
                                         DType::f32, run.device);
  const auto sequential = flops.exits(FlopsConvention::sequential);
  for (const auto& [name, thresholds] : named) {
    eval::predict_early_exit(*run.model, batch, thresholds);  // warm-up: kernels' setup
    const auto result = eval::predict_early_exit(*run.model, batch, thresholds, true);
    fmt::print("{}: {:.3f} ms per image (warm), {:.3f} MFLOPs executed per image\n", name,
               1e3 * result.seconds / static_cast<double>(n),
               static_cast<double>(result.executed_macs) / static_cast<double>(n) / 1e6);
    for (std::size_t i = 0; i < request.images.size(); ++i) {
      const auto k = static_cast<std::size_t>(result.exit_taken[i]);
      fmt::print("  {}: class {} (exit {} of {}, {:.2f} MFLOPs, confidence {:.4f})\n",
                 request.images[i], result.predicted[i], k + 1, sequential.size(),
                 static_cast<double>(sequential[k].macs) / 1e6, result.confidence[i]);
    }
  }
}

void predict(const PredictRequest& request) {
  auto run = eval::open_trained_run(request.run);
  const auto shape = run.data.test->image_shape();
  const auto flops = profile_flops(*run.model, {shape.channels, shape.height, shape.width});
  std::optional<eval::RunSoftmax> softmax;
  if (request.images.empty() || !request.budgets_mflops.empty()) {
    softmax = eval::run_softmax(run, request.workers);
  }
  const auto named = thresholds_of(request, run, softmax, flops);
  if (!request.images.empty()) {
    predict_files(request, run, named, flops);
    return;
  }
  const auto sequential = flops.exits(FlopsConvention::sequential);
  const auto full = eval::exit_predictions(softmax->test);

  data::DataLoader loader(run.data.test,
                          {.batch_size = request.batch_size,
                           .shuffle = false,
                           .num_workers = request.workers},
                          run.data.test_transforms);
  train::BatchUploader uploader(run.device);
  const auto exits = static_cast<std::size_t>(run.model->exit_count());
  const auto images = static_cast<double>(run.data.test->size());

  // The full network: every image to the last exit, through the same stages.
  std::vector<float> to_last(exits, eval::kNobodyLeaves);
  to_last.back() = eval::kEverybodyLeaves;
  eval::predict_early_exit(*run.model, loader, uploader, to_last);  // warm-up
  const auto baseline = eval::predict_early_exit(*run.model, loader, uploader, to_last);
  const double full_ms = 1e3 * baseline.seconds / images;
  fmt::print("{} on {} test images of {}: full network {:.3f} ms per image, {:.2f} MFLOPs\n",
             run.model_name, run.data.test->size(), run.dataset, full_ms,
             static_cast<double>(sequential.back().macs) / 1e6);

  std::string json_lines;
  for (const auto& [name, thresholds] : named) {
    const auto metered = eval::predict_early_exit(*run.model, loader, uploader, thresholds, true);
    const auto timed = eval::predict_early_exit(*run.model, loader, uploader, thresholds);
    std::int64_t correct = 0, counted_macs = 0;
    std::vector<std::int64_t> per_exit(exits, 0);
    for (std::size_t i = 0; i < metered.predicted.size(); ++i) {
      const auto k = static_cast<std::size_t>(metered.exit_taken[i]);
      correct += metered.predicted[i] == full.labels[i];
      counted_macs += sequential[k].macs;
      ++per_exit[k];
    }
    const auto agreement = compare_with_full_pass(metered, full, thresholds);
    const double ms = 1e3 * timed.seconds / images;
    fmt::print(
        "{}: top-1 {:.2f}%, exits taken {}, executed {:.3f} MFLOPs per image (counter, "
        "sequential: {:.3f}), {:.3f} ms per image, {:.2f}x faster than the full network; "
        "{} images differ from the full pass ({} within {} of a threshold)\n",
        name, 100.0 * static_cast<double>(correct) / images, fmt::join(per_exit, "/"),
        static_cast<double>(metered.executed_macs) / images / 1e6,
        static_cast<double>(counted_macs) / images / 1e6, ms, full_ms / ms, agreement.differ,
        agreement.near_threshold, kThresholdTolerance);
    json_lines += fmt::format(
        "{{\"thresholds\": \"{}\", \"top1\": {}, \"exits_taken\": [{}], "
        "\"executed_mflops\": {}, \"counter_sequential_mflops\": {}, \"ms_per_image\": {}, "
        "\"full_ms_per_image\": {}, \"speedup\": {}, \"differ_from_full_pass\": {}, "
        "\"differ_near_threshold\": {}}}\n",
        json_escaped(name), static_cast<double>(correct) / images, fmt::join(per_exit, ", "),
        static_cast<double>(metered.executed_macs) / images / 1e6,
        static_cast<double>(counted_macs) / images / 1e6, ms, full_ms, full_ms / ms,
        agreement.differ, agreement.near_threshold);
  }
  if (!request.out.empty()) {
    train::write_text_file(request.out, json_lines);
    fmt::print("wrote {}\n", request.out);
  }
}

}  // namespace

int predict(std::span<const std::string> args) {
  return cli::run_command(make_parser(), args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    return [request = to_request(parsed)] { predict(request); };
  });
}

}  // namespace chase::commands

// chase flops --model msdnet-cifar-anytime [--convention msdnet|lazy|sequential] [--json]
// Prints the multiply-adds per image of every exit (chase/flops/flops_counter.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "chase/flops/flops_counter.h"
#include "chase/models/registry.h"
#include "examples/cli.h"
#include "examples/commands.h"

namespace chase::commands {
namespace {

struct DatasetShape {
  std::string name;
  data::ImageShape input;
  std::int64_t classes;
};

// The image shape and class count of each dataset `chase train` reads, and ImageNet's.
const std::vector<DatasetShape>& dataset_shapes() {
  static const std::vector<DatasetShape> shapes = {{"fashion-mnist", {1, 28, 28}, 10},
                                                   {"cifar10", {3, 32, 32}, 10},
                                                   {"cifar100", {3, 32, 32}, 100},
                                                   {"imagenet", {3, 224, 224}, 1000}};
  return shapes;
}

cli::ArgParser make_parser() {
  std::vector<std::string> datasets;
  for (const auto& shape : dataset_shapes()) datasets.push_back(shape.name);
  cli::ArgParser parser(
      "chase flops",
      "Counts the multiply-adds (MACs) per image of each exit of a model, and its parameters.\n"
      "Conventions: msdnet = the official MSDNet counter's running total (earlier exits'\n"
      "classifiers included); lazy = only what exit k's logits depend on; sequential = what an\n"
      "image leaving at exit k has run (what exits 1..k depend on).");
  parser.option("model", "NAME", fmt::format("{}", fmt::join(chase::model_names(), " | ")))
      .option("convention", "NAME", "msdnet | lazy | sequential", "msdnet")
      .option("dataset", "NAME",
              fmt::format("input shape and classes of {} (default: the images the model is "
                          "meant for)",
                          fmt::join(datasets, " | ")))
      .option("input", "CxHxW", "input image shape, e.g. 3x32x32 (overrides --dataset)")
      .option("classes", "N", "number of classes (overrides --dataset)")
      .flag("json", "print one JSON document instead of the table");
  return parser;
}

data::ImageShape parse_input(const std::string& text) {
  auto positive = [](const std::string& part) {
    return !part.empty() && part.size() <= 9 && part != std::string(part.size(), '0') &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::vector<std::int64_t> sizes;
  for (std::size_t start = 0;;) {
    const auto end = text.find('x', start);
    const auto part = text.substr(start, end == std::string::npos ? end : end - start);
    if (!positive(part)) {
      sizes.clear();
      break;
    }
    sizes.push_back(std::stoll(part));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (sizes.size() != 3) {
    throw cli::UsageError(fmt::format(
        "--input: expected CxHxW with positive integers (e.g. 3x32x32), got '{}'", text));
  }
  return {sizes[0], sizes[1], sizes[2]};
}

struct FlopsRequest {
  std::string model;
  FlopsConvention convention = FlopsConvention::msdnet;
  data::ImageShape input;
  std::int64_t classes = 0;
  bool json = false;
};

FlopsRequest to_request(const cli::ParsedArgs& parsed) {
  FlopsRequest request;
  request.model = parsed.choice("model", chase::model_names());
  request.convention = parse_flops_convention(parsed.string("convention"));
  request.json = parsed.flag("json");

  const auto& model = chase::registered_model(request.model);
  DatasetShape shape{"", model.input, model.num_classes};
  if (parsed.has("dataset")) {
    std::vector<std::string> names;
    for (const auto& known : dataset_shapes()) names.push_back(known.name);
    const auto& chosen = parsed.choice("dataset", names);
    shape = *std::find_if(dataset_shapes().begin(), dataset_shapes().end(),
                          [&](const DatasetShape& known) { return known.name == chosen; });
  }
  request.input = parsed.has("input") ? parse_input(parsed.string("input")) : shape.input;
  request.classes = parsed.has("classes") ? parsed.integer("classes") : shape.classes;
  if (request.classes <= 0) {
    throw cli::UsageError(
        fmt::format("--classes: expected a positive integer, got {}", request.classes));
  }
  return request;
}

std::shared_ptr<Module> build_model(const FlopsRequest& request) {
  Generator init(0);  // the weights do not change the count
  return chase::make_model(request.model, request.input, request.classes, init,
                           std::make_shared<Generator>(0));
}

void print_table(const FlopsRequest& request, const FlopsProfile& profile) {
  fmt::print("{}: input {}x{}x{}, {} classes, {} parameters; convention {}\n", request.model,
             request.input.channels, request.input.height, request.input.width, request.classes,
             profile.params, name(request.convention));
  fmt::print("{:>5}  {:>14}  {:>10}  {:>12}\n", "exit", "MACs", "MMACs", "params");
  const auto exits = profile.exits(request.convention);
  for (std::size_t k = 0; k < exits.size(); ++k) {
    fmt::print("{:>5}  {:>14}  {:>10.2f}  {:>12}\n", k + 1, exits[k].macs,
               static_cast<double>(exits[k].macs) / 1e6, exits[k].params);
  }
  fmt::print("params: the parameters of the layers each exit's count includes; {} in all\n",
             profile.params);
}

void count(const FlopsRequest& request) {
  auto model = build_model(request);
  const auto profile =
      profile_flops(*model, {request.input.channels, request.input.height, request.input.width});
  if (request.json) {
    fmt::print("{}\n", flops_json(profile, request.model, request.convention));
  } else {
    print_table(request, profile);
  }
}

}  // namespace

int flops(std::span<const std::string> args) {
  return cli::run_command(make_parser(), args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    return [request = to_request(parsed)] { count(request); };
  });
}

}  // namespace chase::commands

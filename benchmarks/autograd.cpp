// bench_autograd: the cost of autograd itself, beside PyTorch in the same run.
//  - overhead per node: chains of one op on tiny [4, 4] f32 tensors, forward
//    and backward, in microseconds per node (the op's arithmetic is negligible
//    there, so this is the bookkeeping: node creation, closures, the engine);
//  - a small CNN's forward + backward (conv-bn-gelu-pool twice, global pool,
//    linear, cross-entropy) on [32, 3, 32, 32] f32, in images per second.
// PyTorch runs the same work (benchmarks/peers/autograd_torch.py, 2 threads)
// after chase's measurements. Prints a table; --json PATH also writes the figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "autograd/functions.h"
#include "tensor/ops.h"

using namespace chase;
using nlohmann::json;

namespace {

struct Timing {
  int warmup = 2;             // untimed calls first (primitive creation, caches)
  int min_runs = 5;           // at least this many timed calls ...
  double min_seconds = 0.5;   // ... and at least this long in all; the median is reported
};

double median_seconds(const std::function<void()>& fn, const Timing& timing) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < timing.warmup; ++i) fn();
  std::vector<double> times;
  auto started = Clock::now();
  while (std::ssize(times) < timing.min_runs ||
         std::chrono::duration<double>(Clock::now() - started).count() < timing.min_seconds) {
    auto begin = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
  }
  std::nth_element(times.begin(), times.begin() + std::ssize(times) / 2, times.end());
  return times[times.size() / 2];
}

constexpr int chain_length = 32;
constexpr std::int64_t cnn_batch = 32;

// One step of a node-overhead chain: y -> op(y, p), shapes kept at [4, 4].
using ChainStep = std::function<Variable(const Variable& y, const Variable& p)>;

struct NodeCase {
  std::string op;
  ChainStep step;
};

std::vector<NodeCase> node_cases() {
  return {
      {"add", [](const Variable& y, const Variable& p) { return y + p; }},
      {"mul", [](const Variable& y, const Variable& p) { return y * p; }},
      {"matmul", [](const Variable& y, const Variable& p) { return matmul(y, p); }},
      {"tanh", [](const Variable& y, const Variable&) { return tanh(y); }},
      {"softmax", [](const Variable& y, const Variable&) { return softmax(y, 1); }},
      {"transpose", [](const Variable& y, const Variable&) { return transpose(y, 0, 1); }},
  };
}

// Seconds per node of a chain of `step`, forward and backward (the chain's
// nodes plus the final sum).
double seconds_per_node(const ChainStep& step, const Timing& timing) {
  Generator gen(3);
  Variable x(uniform({4, 4}, -1, 1, gen), true), p(uniform({4, 4}, -1, 1, gen), true);
  double seconds = median_seconds(
      [&] {
        Variable y = x;
        for (int i = 0; i < chain_length; ++i) y = step(y, p);
        sum(y).backward();
        x.zero_grad();
        p.zero_grad();
      },
      timing);
  return seconds / (chain_length + 1);
}

struct Cnn {
  Variable conv1, bn1_w, bn1_b, conv2, bn2_w, bn2_b, fc_w, fc_b;
  std::vector<Variable> parameters() const {
    return {conv1, bn1_w, bn1_b, conv2, bn2_w, bn2_b, fc_w, fc_b};
  }
};

Cnn make_cnn(Generator& gen) {
  auto weight = [&](const Shape& shape) {
    Tensor w = Tensor::empty(shape);
    kaiming_uniform_(w, gen, 1.0 / std::sqrt(3.0));  // PyTorch's default for Conv2d/Linear
    return Variable(w, true);
  };
  auto filled = [](std::int64_t n, double value) { return Variable(full({n}, value), true); };
  return {weight({16, 3, 3, 3}), filled(16, 1), filled(16, 0), weight({32, 16, 3, 3}),
          filled(32, 1),         filled(32, 0), weight({10, 32}), filled(10, 0)};
}

Variable cnn_loss(const Cnn& m, const Variable& x, const Tensor& target) {
  Conv2dOptions same{.padding = {1, 1}};
  auto h = gelu(batch_norm(conv2d(x, m.conv1, {}, same), m.bn1_w, m.bn1_b, 1e-5).out);
  h = max_pool2d(h, {});
  h = gelu(batch_norm(conv2d(h, m.conv2, {}, same), m.bn2_w, m.bn2_b, 1e-5).out);
  h = flatten(global_avg_pool2d(max_pool2d(h, {})), 1);
  auto logits = matmul(h, transpose(m.fc_w, 0, 1)) + m.fc_b;
  return cross_entropy(logits, target);
}

double cnn_seconds(const Timing& timing) {
  Generator gen(4);
  Cnn model = make_cnn(gen);
  Variable x(uniform({cnn_batch, 3, 32, 32}, -1, 1, gen));
  std::vector<double> labels;
  for (std::int64_t i = 0; i < cnn_batch; ++i) labels.push_back(static_cast<double>(i % 10));
  Tensor target = Tensor::from_vector(labels, {cnn_batch}, DType::i64);
  return median_seconds(
      [&] {
        cnn_loss(model, x, target).backward();
        for (auto& p : model.parameters()) p.zero_grad();
      },
      timing);
}

// Runs the PyTorch peer on the same work: its median seconds per node case
// and for the CNN, or nothing (with a message) when it cannot run.
struct PeerResult {
  std::vector<double> node_seconds;
  double cnn_seconds = 0;
  std::string library;
};

std::optional<PeerResult> run_peer(const std::vector<NodeCase>& cases, const Timing& timing,
                                   const std::string& python, const std::string& script) {
  json spec = {{"warmup", timing.warmup}, {"min_runs", timing.min_runs},
               {"min_seconds", timing.min_seconds}, {"chain_length", chain_length},
               {"cnn_batch", cnn_batch}, {"node_ops", json::array()}};
  for (const auto& c : cases) spec["node_ops"].push_back(c.op);
  auto spec_path = (std::filesystem::temp_directory_path() /
                    fmt::format("bench_autograd_peer_{}.json", getpid()))
                       .string();
  std::ofstream(spec_path) << spec.dump();
  std::string command = fmt::format("'{}' '{}' '{}'", python, script, spec_path);
  std::FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  if (pipe) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  }
  int status = pipe ? pclose(pipe) : -1;
  std::remove(spec_path.c_str());
  if (status != 0) {
    std::cerr << fmt::format("bench_autograd: peer `{}` failed (status {}); no PyTorch column\n",
                             command, status);
    return std::nullopt;
  }
  auto result = json::parse(output);
  PeerResult peer{result.at("node_seconds_per_node").get<std::vector<double>>(),
                  result.at("cnn_seconds").get<double>(),
                  fmt::format("{}, {} threads", result.at("library").get<std::string>(),
                              result.at("threads").get<int>())};
  CHASE_CHECK(peer.node_seconds.size() == cases.size(),
              "bench_autograd: peer gave {} node timings for {} ops", peer.node_seconds.size(),
              cases.size());
  return peer;
}

struct Options {
  std::string json_path;
  std::string python = "/usr/bin/python3";
  std::string peer = std::string(CHASE_SOURCE_DIR) + "/benchmarks/peers/autograd_torch.py";
  bool with_peer = true;
  Timing timing;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      CHASE_CHECK(i + 1 < argc, "bench_autograd: {} needs a value", arg);
      return argv[++i];
    };
    if (arg == "--json") options.json_path = value();
    else if (arg == "--python") options.python = value();
    else if (arg == "--peer") options.peer = value();
    else if (arg == "--no-peer") options.with_peer = false;
    else if (arg == "--min-seconds") options.timing.min_seconds = std::stod(value());
    else
      throw Error(fmt::format(
          "bench_autograd: unknown argument {}\nusage: bench_autograd [--json PATH] [--no-peer] "
          "[--python PATH] [--peer SCRIPT] [--min-seconds S]",
          arg));
  }
  return options;
}

void run(const Options& options) {
  auto cases = node_cases();
  std::vector<double> node_seconds;
  for (const auto& c : cases) node_seconds.push_back(seconds_per_node(c.step, options.timing));
  double cnn = cnn_seconds(options.timing);
  std::optional<PeerResult> peer;
  if (options.with_peer) peer = run_peer(cases, options.timing, options.python, options.peer);

  fmt::print("peer: {}\n\n", peer ? peer->library : "none");
  fmt::print("{:<44} {:>14} {:>14} {:>14}\n", "case", "chase", "torch", "chase speedup");
  json rows = json::array();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    double us = node_seconds[i] * 1e6;
    json row = {{"case", "node_overhead"}, {"op", cases[i].op}, {"shape", {4, 4}},
                {"chase_us_per_node", us}};
    std::string torch_columns;
    if (peer) {
      double torch_us = peer->node_seconds[i] * 1e6;
      row["torch_us_per_node"] = torch_us;
      torch_columns = fmt::format(" {:>9.2f} us/n {:>13.2f}x", torch_us, torch_us / us);
    }
    fmt::print("{:<44} {:>9.2f} us/n{}\n",
               fmt::format("fwd+bwd per node: {} [4, 4] f32", cases[i].op), us, torch_columns);
    rows.push_back(row);
  }
  double images = cnn_batch / cnn;
  json row = {{"case", "small_cnn"}, {"batch", cnn_batch}, {"chase_images_per_second", images}};
  std::string torch_columns;
  if (peer) {
    double torch_images = cnn_batch / peer->cnn_seconds;
    row["torch_images_per_second"] = torch_images;
    torch_columns = fmt::format(" {:>9.0f} im/s {:>13.2f}x", torch_images, images / torch_images);
  }
  fmt::print("{:<44} {:>9.0f} im/s{}\n",
             fmt::format("small CNN fwd+bwd, [{}, 3, 32, 32] f32", cnn_batch), images,
             torch_columns);
  fmt::print("\nchase speedup: torch time / chase time (> 1: chase is faster)\n");
  rows.push_back(row);
  if (!options.json_path.empty()) {
    json report = {{"benchmark", "bench_autograd"},
                   {"peer", peer ? peer->library : "none"},
                   {"chain_length", chain_length},
                   {"timing", {{"warmup", options.timing.warmup},
                               {"min_runs", options.timing.min_runs},
                               {"min_seconds", options.timing.min_seconds},
                               {"statistic", "median"}}},
                   {"rows", rows}};
    std::ofstream out(options.json_path);
    out << report.dump(2) << "\n";
    CHASE_CHECK(out.good(), "bench_autograd: cannot write {}", options.json_path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    run(parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}

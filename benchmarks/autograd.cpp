// bench_autograd: the cost of autograd itself, beside PyTorch in the same run.
//  - overhead per node: chains of one op on tiny [4, 4] f32 tensors, forward
//    and backward, in microseconds per node (the op's arithmetic is negligible
//    there, so this is the bookkeeping: node creation, closures, the engine);
//  - a small CNN's forward + backward (conv-bn-gelu-pool twice, global pool,
//    linear, cross-entropy) on [32, 3, 32, 32] f32, in images per second.
// PyTorch runs the same work (benchmarks/peers/autograd_torch.py, 2 threads)
// after chase's measurements. Prints a table; --json PATH also writes the figures.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/functions.h"
#include "benchmarks/bench_util.h"
#include "tensor/ops.h"

using namespace chase;
using bench::median_seconds;
using bench::Timing;
using nlohmann::json;

namespace {

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
// and for the CNN, or nothing when it cannot run.
struct PeerResult {
  std::vector<double> node_seconds;
  double cnn_seconds = 0;
  std::string library;
};

std::optional<PeerResult> run_peer(const std::vector<NodeCase>& cases,
                                   const bench::Options& options) {
  json spec = {{"chain_length", chain_length},
               {"cnn_batch", cnn_batch},
               {"node_ops", json::array()}};
  for (const auto& c : cases) spec["node_ops"].push_back(c.op);
  auto result = bench::run_peer(options, spec);
  if (!result) return std::nullopt;
  PeerResult peer{result->at("node_seconds_per_node").get<std::vector<double>>(),
                  result->at("cnn_seconds").get<double>(),
                  fmt::format("{}, {} threads", result->at("library").get<std::string>(),
                              result->at("threads").get<int>())};
  CHASE_CHECK(peer.node_seconds.size() == cases.size(),
              "bench_autograd: peer gave {} node timings for {} ops", peer.node_seconds.size(),
              cases.size());
  return peer;
}

void run(const bench::Options& options) {
  auto cases = node_cases();
  std::vector<double> node_seconds;
  for (const auto& c : cases) node_seconds.push_back(seconds_per_node(c.step, options.timing));
  double cnn = cnn_seconds(options.timing);
  std::optional<PeerResult> peer;
  if (options.with_peer) peer = run_peer(cases, options);

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
  bench::write_report(options, {{"benchmark", "bench_autograd"},
                                {"peer", peer ? peer->library : "none"},
                                {"chain_length", chain_length},
                                {"timing", bench::timing_json(options.timing)},
                                {"rows", rows}});
}

}  // namespace

int main(int argc, char** argv) {
  return bench::benchmark_main(
      argc, argv,
      {.program = "bench_autograd",
       .peer = std::string(CHASE_SOURCE_DIR) + "/benchmarks/peers/autograd_torch.py",
       .python_usage = "PATH",
       // Untimed calls first: primitive creation, caches.
       .timing = {.warmup = 2, .min_runs = 5, .min_seconds = 0.5}},
      run);
}

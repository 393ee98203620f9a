// bench_ops: throughput (GFLOP/s) of chase's matmul and conv2d passes in f32, each
// set against the machine's practical peak (oneDNN sgemm 2048^3, measured here)
// and against PyTorch on the same shapes (benchmarks/peers/ops_torch.py, run by
// this program after its own measurements). Prints a table; --json PATH also
// writes the figures for scripts. See benchmarks/README.md.
#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/bench_util.h"
#include "tensor/ops.h"

using namespace chase;
using bench::median_seconds;
using bench::Timing;
using nlohmann::json;

namespace {

// One benchmarked op call. `peer` is the case as ops_torch.py reads it.
struct Case {
  std::string op;
  std::string shape;  // for the table
  double flops;
  std::function<std::function<void()>()> make_call;  // builds inputs, returns the call
  json peer;
};

Tensor random_f32(const Shape& shape, Generator& gen) {
  return uniform(shape, -1.0, 1.0, gen, DType::f32);
}

Case matmul_case(std::int64_t n) {
  return {.op = "matmul",
          .shape = fmt::format("{0}x{0} @ {0}x{0}", n),
          .flops = 2.0 * n * n * n,
          .make_call =
              [n] {
                Generator gen(1);
                auto a = random_f32({n, n}, gen), b = random_f32({n, n}, gen);
                return std::function<void()>([a, b] { matmul(a, b); });
              },
          .peer = {{"op", "matmul"}, {"n", n}}};
}

// A square-kernel convolution of CHASE on CIFAR (batch 64).
struct ConvShape {
  std::int64_t in_channels, out_channels, size, kernel, stride, groups;
};

enum class ConvPass { forward, backward_input, backward_weight };

std::string op_name(ConvPass pass) {
  switch (pass) {
    case ConvPass::forward: return "conv2d_forward";
    case ConvPass::backward_input: return "conv2d_backward_input";
    case ConvPass::backward_weight: return "conv2d_backward_weight";
  }
  return "?";
}

Case conv_case(const ConvShape& s, ConvPass pass) {
  constexpr std::int64_t batch = 64;
  Conv2dOptions options{.stride = {s.stride, s.stride},
                        .padding = {s.kernel / 2, s.kernel / 2},
                        .groups = s.groups};
  Shape x_shape{batch, s.in_channels, s.size, s.size};
  Shape w_shape{s.out_channels, s.in_channels / s.groups, s.kernel, s.kernel};
  Shape out_shape = conv2d_output_shape(x_shape, w_shape, options);
  // Each pass does one multiply-add per (output element, weight tap of its group).
  double flops = 2.0 * numel(out_shape) * (s.in_channels / s.groups) * s.kernel * s.kernel;
  std::string op = op_name(pass);
  std::string shape = fmt::format("{}x{}x{}x{} k{} s{}{} -> {}", batch, s.in_channels, s.size,
                                  s.size, s.kernel, s.stride,
                                  s.groups == 1 ? "" : fmt::format(" g{}", s.groups),
                                  s.out_channels);
  return {.op = op,
          .shape = shape,
          .flops = flops,
          .make_call =
              [=] {
                Generator gen(2);
                auto x = random_f32(x_shape, gen), w = random_f32(w_shape, gen);
                auto grad_out = random_f32(out_shape, gen);
                if (pass == ConvPass::forward) {
                  return std::function<void()>([=] { conv2d(x, w, {}, options); });
                }
                if (pass == ConvPass::backward_input) {
                  return std::function<void()>(
                      [=] { conv2d_backward_input(grad_out, w, x_shape, options); });
                }
                return std::function<void()>(
                    [=] { conv2d_backward_weight(grad_out, x, w_shape, options); });
              },
          .peer = {{"op", op}, {"batch", batch}, {"in_channels", s.in_channels},
                   {"out_channels", s.out_channels}, {"height", s.size}, {"width", s.size},
                   {"kernel", s.kernel}, {"stride", s.stride}, {"padding", s.kernel / 2},
                   {"groups", s.groups}}};
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (std::int64_t n : {256, 512, 1024, 2048}) cases.push_back(matmul_case(n));
  // Representative CHASE layers on CIFAR: h (3x3, same resolution) and f (3x3,
  // stride 2) at each scale, the 1x1 convolutions of CAM and the transitions,
  // the depthwise 3x3 of the stem and of GAL's positional encoding.
  const std::vector<ConvShape> shapes = {
      {16, 16, 32, 3, 1, 1},    {32, 64, 32, 3, 2, 1},  {64, 64, 16, 3, 1, 1},
      {128, 128, 8, 3, 1, 1},   {256, 256, 4, 3, 1, 1}, {128, 64, 16, 1, 1, 1},
      {256, 128, 8, 1, 1, 1},   {64, 64, 16, 3, 1, 64}, {256, 256, 4, 3, 1, 256},
  };
  for (const auto& shape : shapes) {
    for (auto pass : {ConvPass::forward, ConvPass::backward_input, ConvPass::backward_weight}) {
      cases.push_back(conv_case(shape, pass));
    }
  }
  return cases;
}

// oneDNN's sgemm on 2048^3: the practical f32 peak of this machine.
double sgemm_peak_gflops(const Timing& timing) {
  constexpr std::int64_t n = 2048;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  double seconds = median_seconds(
      [&] {
        auto status = dnnl::sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                                  c.data(), n);
        CHASE_CHECK(status == dnnl::status::success, "bench_ops: dnnl_sgemm failed with status {}",
                    static_cast<int>(status));
      },
      timing);
  return 2.0 * n * n * n / seconds / 1e9;
}

// Runs the PyTorch peer on the same cases; its median seconds per case, or
// nothing when it cannot run.
std::optional<std::vector<double>> run_peer(const std::vector<Case>& cases,
                                            const bench::Options& options,
                                            std::string& library) {
  json spec = {{"cases", json::array()}};
  for (const auto& c : cases) spec["cases"].push_back(c.peer);
  auto result = bench::run_peer(options, spec);
  if (!result) return std::nullopt;
  auto seconds = result->at("seconds").get<std::vector<double>>();
  CHASE_CHECK(seconds.size() == cases.size(), "bench_ops: peer gave {} timings for {} cases",
              seconds.size(), cases.size());
  library = fmt::format("{}, {} threads", result->at("library").get<std::string>(),
                        result->at("threads").get<int>());
  return seconds;
}

// PyTorch's mm reaches 150+ GFLOP/s on 2048^3 here only with OpenBLAS and two
// threads; below that the peer is not a fair comparison, and the table says so.
void warn_if_peer_is_unfair(const json& rows) {
  constexpr double fair_gflops = 150.0;
  for (const auto& row : rows) {
    if (row["op"] != "matmul" || !row.contains("torch_gflops") ||
        row["shape"] != matmul_case(2048).shape) {
      continue;
    }
    double torch_gflops = row["torch_gflops"].get<double>();
    if (torch_gflops < fair_gflops) {
      fmt::print(
          "\nWARNING: torch mm 2048^3 reached {:.1f} GFLOP/s, below the {:.0f} expected of a "
          "fair peer: is libopenblas0-pthread the active BLAS, is the machine quiet?\n",
          torch_gflops, fair_gflops);
    }
  }
}

void run(const bench::Options& options) {
  std::string load_before = bench::load_average();
  auto cases = all_cases();
  double peak = sgemm_peak_gflops(options.timing);
  std::vector<double> chase_seconds;
  for (const auto& c : cases) {
    chase_seconds.push_back(median_seconds(c.make_call(), options.timing));
  }
  std::string peer_library = "none";
  std::optional<std::vector<double>> peer_seconds;
  if (options.with_peer) {
    peer_seconds = run_peer(cases, options, peer_library);
  }

  fmt::print("peak: oneDNN sgemm 2048^3 = {:.1f} GFLOP/s (f32)\n", peak);
  fmt::print("peer: {}\nload average before: {}, after: {}\n\n", peer_library, load_before,
             bench::load_average());
  fmt::print("{:<23} {:<30} {:>9} {:>6} {:>9} {:>6} {:>7}\n", "op", "shape", "chase", "%peak",
             "torch", "%peak", "c/t");
  json rows = json::array();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    double chase_gflops = c.flops / chase_seconds[i] / 1e9;
    json row = {{"op", c.op}, {"shape", c.shape}, {"flops", c.flops},
                {"chase_seconds", chase_seconds[i]}, {"chase_gflops", chase_gflops},
                {"chase_fraction_of_peak", chase_gflops / peak}};
    std::string torch_columns;
    if (peer_seconds) {
      double torch_gflops = c.flops / (*peer_seconds)[i] / 1e9;
      row["torch_seconds"] = (*peer_seconds)[i];
      row["torch_gflops"] = torch_gflops;
      row["torch_fraction_of_peak"] = torch_gflops / peak;
      row["chase_over_torch"] = chase_gflops / torch_gflops;
      torch_columns = fmt::format(" {:>9.1f} {:>5.0f}% {:>7.2f}", torch_gflops,
                                  100 * torch_gflops / peak, chase_gflops / torch_gflops);
    }
    fmt::print("{:<23} {:<30} {:>9.1f} {:>5.0f}%{}\n", c.op, c.shape, chase_gflops,
               100 * chase_gflops / peak, torch_columns);
    rows.push_back(row);
  }
  warn_if_peer_is_unfair(rows);
  bench::write_report(options, {{"benchmark", "bench_ops"},
                                {"dtype", "f32"},
                                {"peak", {{"op", "oneDNN sgemm 2048^3"}, {"gflops", peak}}},
                                {"peer", peer_library},
                                {"load_average_before", load_before},
                                {"timing", bench::timing_json(options.timing)},
                                {"rows", rows}});
}

}  // namespace

int main(int argc, char** argv) {
  return bench::benchmark_main(
      argc, argv,
      {.program = "bench_ops",
       .peer = std::string(CHASE_SOURCE_DIR) + "/benchmarks/peers/ops_torch.py",
       .python_usage = "PATH",
       // Untimed calls first: oneDNN primitive creation, caches, page faults.
       .timing = {.warmup = 2, .min_runs = 5, .min_seconds = 0.25}},
      run);
}

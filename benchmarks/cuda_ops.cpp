// bench_cuda_ops: throughput of chase's CUDA backend in f32 on the GPU it runs
// on: matmul (cuBLAS) against the card's FP32 peak, the three convolution
// passes (cuDNN) on CHASE's layer shapes, and memory-bound ops (elementwise,
// reduction, softmax) in GB/s, beside PyTorch on the same GPU in the same run
// (benchmarks/peers/ops_cuda_torch.py, which needs a CUDA build of PyTorch:
// pass its interpreter with --python). Prints a table; --json PATH also writes
// the figures. Built only where nvcc is found; needs a GPU to run.
//
// Each timed call ends with cuda::synchronize(), so a time covers the GPU work
// and not only its launch. The peak is the card's FP32 rate without tensor
// cores (SMs x FP32 lanes per SM x 2 x boost clock): chase keeps f32 products
// in f32 arithmetic (no TF32), and so does the peer here.
#include <cuda_runtime_api.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/bench_util.h"
#include "tensor/allocator.h"
#include "tensor/cuda/cuda_backend.h"
#include "tensor/ops.h"

using namespace chase;
using nlohmann::json;

namespace {

// fn followed by a wait for the GPU work it queued: what one timed call covers.
std::function<void()> synchronized(std::function<void()> fn) {
  return [fn = std::move(fn)] {
    fn();
    cuda::synchronize();
  };
}

// One benchmarked op call: `work` is FLOPs (compute-bound ops) or bytes moved
// (memory-bound ones), reported per second in `unit`.
struct Case {
  std::string op;
  std::string shape;
  double work;
  std::string unit;  // "GFLOP/s" or "GB/s"
  std::function<std::function<void()>()> make_call;
  json peer;
};

Tensor random_gpu(const Shape& shape, Generator& gen) {
  return uniform(shape, -1.0, 1.0, gen, DType::f32, Device::cuda());
}

Case matmul_case(std::int64_t n) {
  return {"matmul",
          fmt::format("{0}x{0} @ {0}x{0}", n),
          2.0 * n * n * n,
          "GFLOP/s",
          [n] {
            Generator gen(1);
            auto a = random_gpu({n, n}, gen), b = random_gpu({n, n}, gen);
            return std::function<void()>([a, b] { matmul(a, b); });
          },
          {{"op", "matmul"}, {"n", n}}};
}

struct ConvShape {
  std::int64_t in_channels, out_channels, size, kernel, stride, groups;
};

Case conv_case(const ConvShape& s, const std::string& op) {
  constexpr std::int64_t batch = 128;
  const Conv2dOptions options{
      .stride = {s.stride, s.stride}, .padding = {s.kernel / 2, s.kernel / 2}, .groups = s.groups};
  const Shape x_shape{batch, s.in_channels, s.size, s.size};
  const Shape w_shape{s.out_channels, s.in_channels / s.groups, s.kernel, s.kernel};
  const Shape out_shape = conv2d_output_shape(x_shape, w_shape, options);
  // Each pass does one multiply-add per (output element, weight tap of its group).
  const double flops = 2.0 * numel(out_shape) * (s.in_channels / s.groups) * s.kernel * s.kernel;
  const std::string shape =
      fmt::format("{}x{}x{}x{} k{} s{}{} -> {}", batch, s.in_channels, s.size, s.size, s.kernel,
                  s.stride, s.groups == 1 ? "" : fmt::format(" g{}", s.groups), s.out_channels);
  return {op,
          shape,
          flops,
          "GFLOP/s",
          [=] {
            Generator gen(2);
            auto x = random_gpu(x_shape, gen), w = random_gpu(w_shape, gen);
            auto grad_out = random_gpu(out_shape, gen);
            if (op == "conv2d_forward")
              return std::function<void()>([=] { conv2d(x, w, {}, options); });
            if (op == "conv2d_backward_input")
              return std::function<void()>(
                  [=] { conv2d_backward_input(grad_out, w, x_shape, options); });
            return std::function<void()>(
                [=] { conv2d_backward_weight(grad_out, x, w_shape, options); });
          },
          {{"op", op},
           {"batch", batch},
           {"in_channels", s.in_channels},
           {"out_channels", s.out_channels},
           {"height", s.size},
           {"width", s.size},
           {"kernel", s.kernel},
           {"stride", s.stride},
           {"padding", s.kernel / 2},
           {"groups", s.groups}}};
}

// Memory-bound ops over `rows` x `cols` f32 values; bytes = values read + written.
Case memory_case(const std::string& op, std::int64_t rows, std::int64_t cols) {
  const double values = static_cast<double>(rows) * cols;
  const double bytes = 4.0 * (op == "add" ? 3 * values : op == "sum" ? values + rows : 2 * values);
  return {op,
          fmt::format("{}x{}", rows, cols),
          bytes,
          "GB/s",
          [=] {
            Generator gen(3);
            auto a = random_gpu({rows, cols}, gen), b = random_gpu({rows, cols}, gen);
            if (op == "add") return std::function<void()>([=] { add(a, b); });
            if (op == "sum") return std::function<void()>([=] { sum(a, {1}); });
            return std::function<void()>([=] { softmax(a, 1); });
          },
          {{"op", op}, {"rows", rows}, {"cols", cols}}};
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (std::int64_t n : {1024, 2048, 4096, 8192}) cases.push_back(matmul_case(n));
  // The CHASE layer shapes of bench_ops (CIFAR): h and f at each scale, CAM's
  // and the transitions' 1x1, the depthwise 3x3 of the stem and of GAL.
  const std::vector<ConvShape> shapes = {
      {16, 16, 32, 3, 1, 1},  {32, 64, 32, 3, 2, 1},  {64, 64, 16, 3, 1, 1},
      {128, 128, 8, 3, 1, 1}, {256, 256, 4, 3, 1, 1}, {128, 64, 16, 1, 1, 1},
      {256, 128, 8, 1, 1, 1}, {64, 64, 16, 3, 1, 64}, {256, 256, 4, 3, 1, 256},
  };
  for (const auto& shape : shapes)
    for (const char* op : {"conv2d_forward", "conv2d_backward_input", "conv2d_backward_weight"})
      cases.push_back(conv_case(shape, op));
  for (const char* op : {"add", "sum", "softmax"}) cases.push_back(memory_case(op, 4096, 4096));
  cases.push_back(memory_case("softmax", 65536, 10));  // a classifier's logits
  return cases;
}

// FP32 lanes per SM by compute capability (CUDA C Programming Guide,
// "Arithmetic Instructions"); 0 where this table does not know the chip.
int fp32_lanes_per_sm(int major, int minor) {
  if (major == 8 && minor == 0) return 64;  // A100
  if (major == 8 || major == 9 || major == 10 || major == 12) return 128;
  return 0;
}

struct Card {
  std::string name;
  double peak_gflops = 0.0;  // 0: unknown
};

Card describe_card() {
  cudaDeviceProp props{};
  CHASE_CHECK(cudaGetDeviceProperties(&props, 0) == cudaSuccess,
              "bench_cuda_ops: cannot read the properties of cuda:0");
  int clock_khz = 0, sms = 0;
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  const int lanes = fp32_lanes_per_sm(props.major, props.minor);
  return {fmt::format("{} (sm_{}{}, {} SMs)", props.name, props.major, props.minor, sms),
          2.0 * lanes * sms * clock_khz * 1e3 / 1e9};
}

// The PyTorch peer's median seconds per case, or nothing.
std::optional<std::vector<double>> run_peer(const std::vector<Case>& cases,
                                            const bench::Options& options,
                                            std::string& library) {
  json spec = {{"cases", json::array()}};
  for (const auto& c : cases) spec["cases"].push_back(c.peer);
  const auto result = bench::run_peer(options, spec);
  if (!result) return std::nullopt;
  auto seconds = result->at("seconds").get<std::vector<double>>();
  CHASE_CHECK(seconds.size() == cases.size(), "bench_cuda_ops: peer gave {} timings for {} cases",
              seconds.size(), cases.size());
  library = fmt::format("{} on {}", result->at("library").get<std::string>(),
                        result->at("device").get<std::string>());
  return seconds;
}

void run(const bench::Options& options) {
  CHASE_CHECK(cuda::device_count() > 0, "bench_cuda_ops: no usable CUDA device ({})",
              cuda::unavailable_reason());
  const Card card = describe_card();
  const auto cases = all_cases();
  std::vector<double> seconds;
  allocator_for(Device::cuda()).reset_peak();
  for (const auto& c : cases)
    seconds.push_back(bench::median_seconds(synchronized(c.make_call()), options.timing));
  const auto peak_bytes = allocator_for(Device::cuda()).stats().peak_bytes;
  std::string peer_library;
  std::optional<std::vector<double>> peer;
  if (options.with_peer)
    peer = run_peer(cases, options, peer_library);

  fmt::print("chase CUDA backend, f32, on {}\n", card.name);
  if (card.peak_gflops > 0)
    fmt::print("FP32 peak (no tensor cores): {:.0f} GFLOP/s\n", card.peak_gflops);
  fmt::print("peak GPU memory held by tensors: {:.1f} MiB\n", peak_bytes / 1048576.0);
  if (peer) fmt::print("peer: {}\n", peer_library);
  fmt::print("\n{:<24} {:<34} {:>10} {:>12} {:>8} {:>12}\n", "op", "shape", "ms", "rate", "of peak",
             "torch rate");
  json rows = json::array();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const double rate = c.work / seconds[i] / 1e9;
    json row = {{"op", c.op},
                {"shape", c.shape},
                {"seconds", seconds[i]},
                {"unit", c.unit},
                {"rate", rate}};
    std::string of_peak = "";
    if (c.unit == "GFLOP/s" && card.peak_gflops > 0) {
      of_peak = fmt::format("{:.0f}%", 100.0 * rate / card.peak_gflops);
      row["fraction_of_peak"] = rate / card.peak_gflops;
    }
    std::string torch_rate = "-";
    if (peer) {
      const double peer_rate = c.work / (*peer)[i] / 1e9;
      torch_rate = fmt::format("{:.1f}", peer_rate);
      row["torch_seconds"] = (*peer)[i];
      row["torch_rate"] = peer_rate;
    }
    fmt::print("{:<24} {:<34} {:>10.3f} {:>4.0f} {:<7} {:>8} {:>12}\n", c.op, c.shape,
               seconds[i] * 1e3, rate, c.unit, of_peak, torch_rate);
    rows.push_back(row);
  }
  bench::write_report(options, {{"device", card.name},
                                {"fp32_peak_gflops", card.peak_gflops},
                                {"peak_bytes", peak_bytes},
                                {"peer", peer_library},
                                {"cases", rows}});
}

}  // namespace

int main(int argc, char** argv) {
  return bench::benchmark_main(
      argc, argv,
      {.program = "bench_cuda_ops",
       .peer = std::string(CHASE_SOURCE_DIR) + "/benchmarks/peers/ops_cuda_torch.py",
       .python_usage = "PATH_TO_A_CUDA_PYTORCH",
       // Untimed calls first: cuDNN plans, cuBLAS handles, the caching allocator.
       .timing = {.warmup = 3, .min_runs = 10, .min_seconds = 0.25}},
      run);
}

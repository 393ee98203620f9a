// bench_train_step: training throughput (images/s) and peak memory of a network
// of `chase train --model NAME` (--model, default the small CNN on
// Fashion-MNIST-shaped input, 1x28x28, 10 classes; an MSDNet preset on its own
// input, msdnet-cifar-anytime on 3x32x32 with 10 classes; a CHASE preset likewise,
// chase-cifar10 on 3x32x32), beside PyTorch on the same device in the same run
// (benchmarks/peers/train_step_torch.py; MSDNet through benchmarks/peers/msdnet_torch.py,
// CHASE through benchmarks/peers/chase_torch.py).
//
// One step is the trainer's (chase/train/train_epoch.cpp): forward, cross-entropy
// (for a multi-exit model the sum over exits of each exit's batch-mean
// cross-entropy, paper Eq. 5), zero_grad, backward, an SGD step with the recipe of
// `chase train` (nesterov momentum, weight decay). The batch is random and made on the device once, so
// no data loading or upload is timed. On a GPU each step ends with
// cuda::synchronize(), so that its time covers the GPU work and not only its
// launch. Peak memory is the high-water mark of the bytes held by tensors on
// the device during the timed steps (allocator_for(device).stats()): weights,
// gradients, momentum buffers, the batch and the graph's saved activations.
// Prints a table; --json PATH also writes the figures. See benchmarks/README.md.
#include <omp.h>

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/functions.h"
#include "benchmarks/bench_util.h"
#include "chase/models/chase_presets.h"
#include "chase/models/msdnet_presets.h"
#include "chase/models/registry.h"
#include "chase/multi_exit_model.h"
#include "chase/train/device.h"
#include "chase/train/train_config.h"
#include "nn/dropout.h"
#include "nn/optim/sgd.h"
#include "tensor/allocator.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

#ifdef CHASE_WITH_CUDA
#include "tensor/cuda/cuda_backend.h"
#endif

using namespace chase;
using nlohmann::json;

namespace {

constexpr const char* kProgram = "bench_train_step";
constexpr int kDefaultSteps = 20;
// The input of the models that have no input of their own (the small CNN).
const data::ImageShape kImage{.channels = 1, .height = 28, .width = 28};  // Fashion-MNIST
constexpr std::int64_t kClasses = 10;

// A network and the input it is timed on.
struct Network {
  std::shared_ptr<Module> model;
  data::ImageShape image;
  std::int64_t classes;
};

// Waits for the work queued on `device`: what makes a GPU step's time cover its kernels.
void wait_for([[maybe_unused]] Device device) {
#ifdef CHASE_WITH_CUDA
  if (device.is_cuda()) cuda::synchronize();
#endif
}

// The model, its optimizer and one random batch, all on the device.
struct Training {
  std::shared_ptr<Module> model;
  std::unique_ptr<Sgd> optimizer;
  Tensor images, labels;

  // One step of chase/train/train_epoch.cpp, without the loss read-back.
  void step() {
    Variable loss;
    if (auto* multi_exit = dynamic_cast<MultiExitModel*>(model.get())) {
      for (const auto& logits : multi_exit->forward_exits(Variable(images))) {
        auto exit_loss = cross_entropy(logits, labels);
        loss = loss.defined() ? loss + exit_loss : exit_loss;
      }
    } else {
      loss = cross_entropy((*model)(Variable(images)), labels);
    }
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
  }
};

// The network of `chase train --model recipe.model`, on the CPU: an MSDNet or
// CHASE preset on its own input and classes, any other model on kImage and kClasses.
Network make_network(const train::TrainConfig& recipe) {
  Generator init(1);
  if (is_msdnet_preset(recipe.model)) {
    const auto& preset = msdnet_preset(recipe.model);
    return {make_msdnet_preset(recipe.model, preset.input, preset.config.num_classes, init),
            preset.input, preset.config.num_classes};
  }
  for (const auto& preset : chase_presets()) {
    if (preset.name == recipe.model) {
      return {make_chase_preset(recipe.model, preset.input, preset.config.num_classes, init),
              preset.input, preset.config.num_classes};
    }
  }
  return {make_model(recipe.model, kImage, kClasses, init, std::make_shared<Generator>(2)),
          kImage, kClasses};
}

Training make_training(const train::TrainConfig& recipe, Device device, std::int64_t batch) {
  Generator data(3);
  Training training;
  const Network network = make_network(recipe);
  const auto& image = network.image;
  training.model = network.model;
  training.model->to(device);
  training.optimizer = std::make_unique<Sgd>(training.model->named_parameters(),
                                             SgdOptions{.lr = recipe.lr,
                                                        .momentum = recipe.momentum,
                                                        .weight_decay = recipe.weight_decay,
                                                        .nesterov = recipe.nesterov});
  training.images = uniform({batch, image.channels, image.height, image.width}, 0.0, 1.0, data,
                            DType::f32, device);
  // f64 keeps classes * u below classes, so truncation gives labels 0..classes-1.
  training.labels =
      uniform({batch}, 0.0, static_cast<double>(network.classes), data, DType::f64, device)
          .to(DType::i64);
  return training;
}

// The dropout probability of the model's Dropout layer (0 without one): the
// peer builds its network with it.
double dropout_probability(const Module& model) {
  for (const auto& [name, child] : model.named_children()) {
    if (auto dropout = std::dynamic_pointer_cast<Dropout>(child)) return dropout->p();
  }
  return 0.0;
}

struct Measurement {
  std::int64_t batch;
  double seconds;          // median of one step
  std::int64_t peak_bytes;  // held by tensors on the device, warm-up steps included
};

Measurement measure(const train::TrainConfig& recipe, Device device, std::int64_t batch,
                    const bench::Timing& timing) {
  Training training = make_training(recipe, device, batch);
  Allocator& allocator = allocator_for(device);
  allocator.reset_peak();
  const double seconds = bench::median_seconds(
      [&] {
        training.step();
        wait_for(device);
      },
      timing);
  return {batch, seconds, allocator.stats().peak_bytes};
}

std::int64_t parse_positive(const std::string& text, const std::string& option) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  CHASE_CHECK(error == std::errc() && end == text.data() + text.size() && value > 0,
              "{}: --{} expects a positive integer, got '{}'", kProgram, option, text);
  return value;
}

// "64,256" -> {64, 256}.
std::vector<std::int64_t> parse_batches(const std::string& text) {
  std::vector<std::int64_t> batches;
  std::size_t begin = 0;
  while (true) {
    const auto comma = text.find(',', begin);
    batches.push_back(parse_positive(text.substr(begin, comma - begin), "batch"));
    if (comma == std::string::npos) return batches;
    begin = comma + 1;
  }
}

struct Peer {
  std::string library;
  std::vector<json> rows;  // per batch: seconds, peak_bytes
};

std::optional<Peer> run_peer(const bench::Options& options, json spec, std::size_t batches) {
  auto result = bench::run_peer(options, std::move(spec));
  if (!result) return std::nullopt;
  Peer peer{fmt::format("{}, {} threads, on {}", result->at("library").get<std::string>(),
                        result->at("threads").get<int>(), result->at("device").get<std::string>()),
            result->at("rows").get<std::vector<json>>()};
  CHASE_CHECK(peer.rows.size() == batches, "{}: peer gave {} rows for {} batch sizes", kProgram,
              peer.rows.size(), batches);
  return peer;
}

// What the peer builds and runs: the same network (its parameter count lets
// the peer check that), recipe, batch sizes and device, with chase's threads.
json peer_spec(const train::TrainConfig& recipe, const Network& network, Device device,
               const std::vector<std::int64_t>& batches, int threads) {
  const auto& model = *network.model;
  const auto& image = network.image;
  json spec = {{"device", device.str()},
               {"model", recipe.model},
               {"batches", batches},
               {"image", {image.channels, image.height, image.width}},
               {"classes", network.classes},
               {"parameters", model.parameter_count()},
               {"dropout", dropout_probability(model)},
               {"lr", recipe.lr},
               {"momentum", recipe.momentum},
               {"nesterov", recipe.nesterov},
               {"weight_decay", recipe.weight_decay},
               {"threads", threads}};
  // The peer builds the same MSDNet from its configuration (msdnet_torch.py).
  if (const auto* msdnet = dynamic_cast<const Msdnet*>(&model))
    spec["msdnet_config"] = json::parse(msdnet_config_json(msdnet->config()));
  // And the same CHASE (chase_torch.py).
  if (const auto* chase_net = dynamic_cast<const ChaseNet*>(&model))
    spec["chase_config"] = json::parse(chase_config_json(chase_net->config()));
  return spec;
}

double mebibytes(std::int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// Prints one table line per batch size and returns them as the report's rows.
json print_rows(const std::vector<Measurement>& measured, const std::optional<Peer>& peer) {
  fmt::print("{:>6} {:>11} {:>9} {:>9} {:>11} {:>9} {:>9} {:>6}\n", "batch", "chase im/s",
             "ms/step", "peak MiB", "torch im/s", "ms/step", "peak MiB", "c/t");
  json rows = json::array();
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const auto& m = measured[i];
    const double images = static_cast<double>(m.batch) / m.seconds;
    json row = {{"batch", m.batch},
                {"chase_seconds", m.seconds},
                {"chase_images_per_second", images},
                {"chase_peak_bytes", m.peak_bytes}};
    std::string torch_columns;
    if (peer) {
      const double torch_seconds = peer->rows[i].at("seconds").get<double>();
      const auto torch_peak = peer->rows[i].at("peak_bytes").get<std::int64_t>();
      const double torch_images = static_cast<double>(m.batch) / torch_seconds;
      row["torch_seconds"] = torch_seconds;
      row["torch_images_per_second"] = torch_images;
      row["torch_peak_bytes"] = torch_peak;
      row["chase_over_torch"] = images / torch_images;
      torch_columns =
          fmt::format(" {:>11.0f} {:>9.2f} {:>9.1f} {:>6.2f}", torch_images, torch_seconds * 1e3,
                      mebibytes(torch_peak), images / torch_images);
    }
    fmt::print("{:>6} {:>11.0f} {:>9.2f} {:>9.1f}{}\n", m.batch, images, m.seconds * 1e3,
               mebibytes(m.peak_bytes), torch_columns);
    rows.push_back(row);
  }
  fmt::print(
      "\nc/t: chase images/s over torch's (> 1: chase is faster). peak: bytes held by tensors on "
      "the device\nduring a step (torch on the CPU: its profiler's allocations, see "
      "benchmarks/README.md)\n");
  return rows;
}

// The device named by --device, or the reason it cannot be used.
Device usable_device(const std::string& name) {
  try {
    return train::training_device(name);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", kProgram, e.what()));
  }
}

void run(const bench::Options& parsed) {
  const std::string load_before = bench::load_average();
  bench::Options options = parsed;
  options.timing.min_runs =
      static_cast<int>(parse_positive(options.settings.at("steps").value, "steps"));
  const auto batches = parse_batches(options.settings.at("batch").value);
  const Device device = usable_device(options.settings.at("device").value);

  train::TrainConfig recipe;  // the defaults of `chase train`, with --model
  recipe.model = options.settings.at("model").value;
  std::vector<Measurement> measured;
  for (const auto batch : batches)
    measured.push_back(measure(recipe, device, batch, options.timing));
  const Network network = make_network(recipe);
  const auto& model = network.model;
  const int threads = omp_get_max_threads();
  std::optional<Peer> peer;
  if (options.with_peer)
    peer = run_peer(options, peer_spec(recipe, network, device, batches, threads), batches.size());

  const std::string where =
      device.is_cuda() ? device.str()
                       : fmt::format("cpu ({} threads, {} kernels)", threads,
                                     cpu_backend() == CpuBackend::dnnl ? "oneDNN" : "reference");
  fmt::print("{} ({} parameters), {}x{}x{} f32 images, {} classes, on {}\n", recipe.model,
             model->parameter_count(), network.image.channels, network.image.height,
             network.image.width, network.classes, where);
  fmt::print(
      "step: forward, cross-entropy, backward, SGD (lr {}, momentum {}{}, weight decay {})\n",
      recipe.lr, recipe.momentum, recipe.nesterov ? " nesterov" : "", recipe.weight_decay);
  fmt::print("median of {} steps after {} warm-up steps\n", options.timing.min_runs,
             options.timing.warmup);
  fmt::print("peer: {}\nload average before: {}, after: {}\n\n", peer ? peer->library : "none",
             load_before, bench::load_average());
  const json rows = print_rows(measured, peer);
  bench::write_report(options, {{"benchmark", kProgram},
                                {"model", recipe.model},
                                {"parameters", model->parameter_count()},
                                {"device", where},
                                {"peer", peer ? peer->library : "none"},
                                {"load_average_before", load_before},
                                {"timing", bench::timing_json(options.timing)},
                                {"rows", rows}});
}

}  // namespace

int main(int argc, char** argv) {
  return bench::benchmark_main(
      argc, argv,
      {.program = kProgram,
       .peer = std::string(CHASE_SOURCE_DIR) + "/benchmarks/peers/train_step_torch.py",
       .python_usage = "PATH",
       // Untimed steps first: oneDNN primitives or cuDNN plans, the first
       // step's momentum buffers, the caching allocator's blocks.
       .timing = {.warmup = 3, .min_runs = kDefaultSteps, .min_seconds = 0.0},
       .settings = {{"model", {"small-cnn", "NAME"}},
                    {"device", {"cpu", "cpu|cuda|cuda:N"}},
                    {"batch", {"64,256", "N[,N...]"}},
                    {"steps", {std::to_string(kDefaultSteps), "N"}}}},
      run);
}

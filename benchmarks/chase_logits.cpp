// chase_logits: writes a CHASE preset's state, a small random input and every
// exit's logits (evaluation mode, then training mode) to a safetensors file, for
// the PyTorch port to check (benchmarks/peers/chase_torch.py check FILE;
// docs/chase.md). Not a benchmark: it sits here beside the port it feeds, and
// like it runs by hand, never in `meson test`.
//
//   chase_logits --model chase-cifar10 --out /tmp/cifar10.safetensors
//                [--batch 2] [--seed 1] [--dtype f32|f64]
//
// Before the logits are taken, the BatchNorm running statistics are calibrated
// by training-mode passes over a separate random batch, and the BatchNorm and
// LayerNorm weights and biases and the attention's biases are drawn at random,
// so that evaluation mode is not an identity, no bias is left at zero and the
// logits depend on the input. The metadata holds the configuration
// ("chase_config", chase_config_json) and the plan chase built from it
// ("chase_plan"), which the port compares with its own.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/grad_mode.h"
#include "chase/models/chase_presets.h"
#include "nn/batch_norm2d.h"
#include "nn/safetensors.h"
#include "tensor/ops.h"

using namespace chase;

namespace {

struct Arguments {
  std::string model = "chase-cifar10", out;
  std::int64_t batch = 2;
  std::uint64_t seed = 1;
  DType dtype = DType::f32;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  const std::string usage =
      "usage: chase_logits --model PRESET --out FILE [--batch N] [--seed S] [--dtype f32|f64]";
  for (int i = 1; i < argc; i += 2) {
    std::string key = argv[i];
    CHASE_CHECK(i + 1 < argc, "chase_logits: {} needs a value\n{}", key, usage);
    std::string value = argv[i + 1];
    if (key == "--model") {
      a.model = value;
    } else if (key == "--out") {
      a.out = value;
    } else if (key == "--batch") {
      a.batch = std::stoll(value);
    } else if (key == "--seed") {
      a.seed = std::stoull(value);
    } else if (key == "--dtype") {
      CHASE_CHECK(value == "f32" || value == "f64", "chase_logits: --dtype f32 or f64, got {}",
                  value);
      a.dtype = value == "f32" ? DType::f32 : DType::f64;
    } else {
      throw Error(fmt::format("chase_logits: unknown option {}\n{}", key, usage));
    }
  }
  CHASE_CHECK(!a.out.empty(), "chase_logits: --out is required\n{}", usage);
  CHASE_CHECK(a.batch >= 2, "chase_logits: --batch must be at least 2 (training-mode "
              "BatchNorm), got {}", a.batch);
  return a;
}

void randomise_batch_norm_affine(const Module& module, Generator& gen) {
  for (const auto& [name, child] : module.named_children()) {
    if (const auto* norm = dynamic_cast<const BatchNorm2d*>(child.get())) {
      uniform_(norm->weight().value(), 0.5, 1.5, gen);
      uniform_(norm->bias().value(), -0.2, 0.2, gen);
    }
    randomise_batch_norm_affine(*child, gen);
  }
}

bool ends_with(const std::string& name, const std::string& suffix) {
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The GALs' LayerNorm affines and attention biases (ones and zeros at first).
void randomise_gal(const Module& model, Generator& gen) {
  for (const auto& [name, parameter] : model.named_parameters()) {
    if (name.find(".gal.") == std::string::npos) continue;
    if (ends_with(name, "norm1.weight") || ends_with(name, "norm2.weight")) {
      uniform_(parameter.value(), 0.5, 1.5, gen);
    } else if (ends_with(name, "norm1.bias") || ends_with(name, "norm2.bias") ||
               ends_with(name, "in_proj_bias") || ends_with(name, "out_proj.bias")) {
      uniform_(parameter.value(), -0.2, 0.2, gen);
    }
  }
}

// The plan as benchmarks/peers/chase_torch.py's plan_chase returns it.
nlohmann::json plan_json(const ChasePlan& plan) {
  nlohmann::json exits = nlohmann::json::array();
  for (const auto& e : plan.exits) {
    exits.push_back({{"global_layer", e.global_layer},
                     {"block", e.block},
                     {"layer", e.layer},
                     {"channels", e.channels}});
  }
  return {{"width", plan.width},
          {"stack", plan.stack},
          {"first_scale", plan.first_scale},
          {"gal_after", plan.gal_after},
          {"exits", exits}};
}

int run(const Arguments& a) {
  const auto& preset = chase_preset(a.model);
  Generator init(a.seed);
  auto model = make_chase_preset(a.model, preset.input, preset.config.num_classes, init);
  model->to(a.dtype);
  Generator data(a.seed + 1000);
  const auto& in = preset.input;
  auto calibration = uniform({8, in.channels, in.height, in.width}, -1.0, 1.0, data, a.dtype);
  auto x = uniform({a.batch, in.channels, in.height, in.width}, -1.0, 1.0, data, a.dtype);
  NoGradGuard no_grad;
  model->train();
  for (int pass = 0; pass < 10; ++pass) model->forward_exits(Variable(calibration));
  randomise_batch_norm_affine(*model, data);
  randomise_gal(*model, data);

  TensorMap file;
  for (const auto& [name, tensor] : model->state_dict()) file["state." + name] = tensor.clone();
  file["input"] = x;
  for (const char* mode : {"eval", "train"}) {  // eval first: train updates running stats
    model->train(std::string(mode) == "train");
    auto logits = model->forward_exits(Variable(x));
    for (std::size_t k = 0; k < logits.size(); ++k) {
      file[fmt::format("exit{}.{}", k + 1, mode)] = logits[k].value();
    }
  }
  save_safetensors(a.out, file,
                   {{"chase_config", chase_config_json(model->config())},
                    {"chase_plan", plan_json(model->plan()).dump()},
                    {"preset", a.model}});
  fmt::print("{}: {} parameters, {} exits, {} {}x{}x{} inputs -> {}\n", a.model,
             model->parameter_count(), model->exit_count(), a.batch, in.channels, in.height,
             in.width, a.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

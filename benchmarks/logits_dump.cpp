#include "benchmarks/logits_dump.h"

#include <fmt/format.h>

#include <cstdio>

#include "autograd/grad_mode.h"
#include "nn/batch_norm2d.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace chase::bench {
namespace {

void randomise_batch_norm_affine(const Module& module, Generator& gen) {
  for (const auto& [name, child] : module.named_children()) {
    if (const auto* norm = dynamic_cast<const BatchNorm2d*>(child.get())) {
      uniform_(norm->weight().value(), 0.5, 1.5, gen);
      uniform_(norm->bias().value(), -0.2, 0.2, gen);
    }
    randomise_batch_norm_affine(*child, gen);
  }
}

}  // namespace

LogitsArguments parse_logits_arguments(const std::string& program, const std::string& default_model,
                                       int argc, char** argv) {
  LogitsArguments a;
  a.model = default_model;
  const std::string usage = fmt::format(
      "usage: {} --model PRESET --out FILE [--batch N] [--seed S] [--dtype f32|f64]", program);
  for (int i = 1; i < argc; i += 2) {
    std::string key = argv[i];
    CHASE_CHECK(i + 1 < argc, "{}: {} needs a value\n{}", program, key, usage);
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
      CHASE_CHECK(value == "f32" || value == "f64", "{}: --dtype f32 or f64, got {}", program,
                  value);
      a.dtype = value == "f32" ? DType::f32 : DType::f64;
    } else {
      throw Error(fmt::format("{}: unknown option {}\n{}", program, key, usage));
    }
  }
  CHASE_CHECK(!a.out.empty(), "{}: --out is required\n{}", program, usage);
  CHASE_CHECK(a.batch >= 2, "{}: --batch must be at least 2 (training-mode BatchNorm), got {}",
              program, a.batch);
  return a;
}

void dump_logits(MultiExitModel& model, data::ImageShape in, const LogitsArguments& a,
                 const std::function<void(const Module&, Generator&)>& randomise_more,
                 Metadata metadata) {
  model.to(a.dtype);
  Generator data(a.seed + 1000);
  auto calibration = uniform({8, in.channels, in.height, in.width}, -1.0, 1.0, data, a.dtype);
  auto x = uniform({a.batch, in.channels, in.height, in.width}, -1.0, 1.0, data, a.dtype);
  NoGradGuard no_grad;
  model.train();
  for (int pass = 0; pass < 10; ++pass) model.forward_exits(Variable(calibration));
  randomise_batch_norm_affine(model, data);
  if (randomise_more) randomise_more(model, data);

  TensorMap file;
  for (const auto& [name, tensor] : model.state_dict()) file["state." + name] = tensor.clone();
  file["input"] = x;
  for (const char* mode : {"eval", "train"}) {  // eval first: train updates running stats
    model.train(std::string(mode) == "train");
    auto logits = model.forward_exits(Variable(x));
    for (std::size_t k = 0; k < logits.size(); ++k) {
      file[fmt::format("exit{}.{}", k + 1, mode)] = logits[k].value();
    }
  }
  metadata["preset"] = a.model;
  save_safetensors(a.out, file, metadata);
  fmt::print("{}: {} parameters, {} exits, {} {}x{}x{} inputs -> {}\n", a.model,
             model.parameter_count(), model.exit_count(), a.batch, in.channels, in.height,
             in.width, a.out);
}

int run_reporting_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace chase::bench

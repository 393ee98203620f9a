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
// logits depend on the input (benchmarks/logits_dump.h). The metadata holds the configuration
// ("chase_config", chase_config_json) and the plan chase built from it
// ("chase_plan"), which the port compares with its own.

#include <string>

#include "benchmarks/logits_dump.h"
#include "chase/models/chase_presets.h"
#include "tensor/ops.h"

using namespace chase;

namespace {

// The GALs' LayerNorm affines and attention biases (ones and zeros at first).
void randomise_gal(const Module& model, Generator& gen) {
  for (const auto& [name, parameter] : model.named_parameters()) {
    if (name.find(".gal.") == std::string::npos) continue;
    if (name.ends_with("norm1.weight") || name.ends_with("norm2.weight")) {
      uniform_(parameter.value(), 0.5, 1.5, gen);
    } else if (name.ends_with("norm1.bias") || name.ends_with("norm2.bias") ||
               name.ends_with("in_proj_bias") || name.ends_with("out_proj.bias")) {
      uniform_(parameter.value(), -0.2, 0.2, gen);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_reporting_errors([&] {
    const auto a = bench::parse_logits_arguments("chase_logits", "chase-cifar10", argc, argv);
    const auto& preset = chase_preset(a.model);
    Generator init(a.seed);
    auto model = make_chase_preset(a.model, preset.input, preset.config.num_classes, init);
    bench::dump_logits(*model, preset.input, a, randomise_gal,
                       {{"chase_config", chase_config_json(model->config())},
                        {"chase_plan", chase_plan_json(model->plan())}});
    return 0;
  });
}

// msdnet_logits: writes an MSDNet preset's state, a small random input and every
// exit's logits (evaluation mode, then training mode) to a safetensors file, for
// the PyTorch port to check (benchmarks/peers/msdnet_torch.py check FILE;
// docs/msdnet.md, "Checking a full preset"). Not a benchmark: it sits here beside
// the port it feeds, and like it runs by hand, never in `meson test`.
//
//   msdnet_logits --model msdnet-cifar-anytime --out /tmp/anytime.safetensors
//                 [--batch 2] [--seed 1] [--dtype f32|f64]
//
// Before the logits are taken, the BatchNorm running statistics are calibrated
// by training-mode passes over a separate random batch, and the BatchNorm
// weights and biases are drawn at random, so that evaluation mode is not an
// identity and the logits depend on the input (benchmarks/logits_dump.h).
#include "benchmarks/logits_dump.h"
#include "chase/models/msdnet_presets.h"

using namespace chase;

int main(int argc, char** argv) {
  return bench::run_reporting_errors([&] {
    const auto a =
        bench::parse_logits_arguments("msdnet_logits", "msdnet-cifar-anytime", argc, argv);
    const auto& preset = msdnet_preset(a.model);
    Generator init(a.seed);
    auto model = make_msdnet_preset(a.model, preset.input, preset.config.num_classes, init);
    bench::dump_logits(*model, preset.input, a, nullptr,
                       {{"msdnet_config", msdnet_config_json(model->config())}});
    return 0;
  });
}

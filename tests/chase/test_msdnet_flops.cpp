// MSDNet's FLOPs per exit under the `msdnet` convention equal what the official
// op_counter.py counts on the official model (msdnet_official.h), preset by preset.
#include <doctest/doctest.h>

#include "chase/flops/flops_counter.h"
#include "chase/models/msdnet_presets.h"
#include "tests/chase/msdnet_official.h"

namespace chase {
namespace {

TEST_CASE("msdnet: per-exit FLOPs (msdnet convention) equal the official op_counter's") {
  for (const auto& f : test::msdnet_official_figures()) {
    INFO(f.preset << " on " << f.dataset);
    std::string preset = f.preset;
    auto config = msdnet_preset_config(preset == "prune-min" ? "msdnet-cifar-anytime" : preset,
                                       {f.in_channels, f.size, f.size}, f.classes);
    if (preset == "prune-min") config.prune = MsdnetPrune::min;
    Generator init(1);
    Msdnet model(config, init);
    auto profile = profile_flops(model, {f.in_channels, f.size, f.size});
    CHECK(profile.params == f.params);
    auto exits = profile.exits(FlopsConvention::msdnet);
    REQUIRE(exits.size() == f.exit_macs.size());
    for (std::size_t k = 0; k < exits.size(); ++k) {
      INFO("exit " << k + 1);
      CHECK(exits[k].macs == f.exit_macs[k]);
      CHECK(exits[k].params == f.exit_params[k]);
    }
  }
}

}  // namespace
}  // namespace chase

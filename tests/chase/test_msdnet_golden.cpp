// Every exit's logits of tiny f64 MSDNets equal the PyTorch port's
// (benchmarks/peers/msdnet_torch.py), in evaluation then training mode, from the
// same state: tests/golden/msdnet/tiny.safetensors, written by
// tests/golden/make_msdnet_golden.py (its docstring lists what the cases cover).
// The port itself equals the official code (docs/msdnet.md).
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "chase/models/msdnet.h"
#include "tests/golden/golden.h"
#include "tests/test_util.h"

namespace chase {
namespace {

TEST_CASE("msdnet: tiny f64 networks give the PyTorch port's logits at every exit") {
  auto file = load_safetensors(test::test_data_path("golden/msdnet/tiny.safetensors"));
  auto cases = nlohmann::json::parse(file.metadata.at("cases")).get<std::vector<std::string>>();
  REQUIRE(cases.size() == 2);
  for (const auto& name : cases) {
    INFO("case " << name);
    auto config = parse_msdnet_config_json(file.metadata.at(name + ".config"));
    Generator init(7);
    Msdnet model(config, init);
    model.to(DType::f64);
    TensorMap state;
    const std::string prefix = name + ".state.";
    for (const auto& [key, tensor] : file.tensors) {
      if (key.rfind(prefix, 0) == 0) state.emplace(key.substr(prefix.size()), tensor);
    }
    model.load_state_dict(state);  // strict: the port's names are the model's
    Variable x(file.tensors.at(name + ".input"));
    REQUIRE(x.dtype() == DType::f64);
    for (const char* mode : {"eval", "train"}) {  // eval first: train updates running stats
      model.train(std::string(mode) == "train");
      auto logits = model.forward_exits(x);
      REQUIRE(std::ssize(logits) == config.n_blocks);
      for (std::size_t k = 0; k < logits.size(); ++k) {
        auto key = fmt::format("{}.exit{}.{}", name, k + 1, mode);
        test::check_golden(logits[k].value(), file.tensors.at(key), DType::f64, key);
      }
    }
  }
}

TEST_CASE("msdnet: the configuration's JSON round-trips and bad JSON is refused") {
  MsdnetConfig c;
  c.stem = MsdnetStem::imagenet;
  c.step_mode = MsdnetStepMode::lin_grow;
  c.prune = MsdnetPrune::min;
  c.gr_factor = {1, 2, 4, 4};
  c.bn_factor = {1, 2, 2, 4};
  c.n_blocks = 3;
  c.reduction = 0.25;
  auto back = parse_msdnet_config_json(msdnet_config_json(c));
  CHECK(msdnet_config_json(back) == msdnet_config_json(c));
  CHECK(back.stem == MsdnetStem::imagenet);
  CHECK(back.bn_factor == std::vector<std::int64_t>{1, 2, 2, 4});
  auto j = nlohmann::json::parse(msdnet_config_json(c));
  j["depth"] = 3;
  CHECK_THROWS_WITH(parse_msdnet_config_json(j.dump()), doctest::Contains("unknown key 'depth'"));
  j.erase("depth");
  j["prune"] = "both";
  CHECK_THROWS_WITH(parse_msdnet_config_json(j.dump()), doctest::Contains("'prune' must be"));
  j.erase("prune");
  CHECK_THROWS_WITH(parse_msdnet_config_json(j.dump()), doctest::Contains("missing key 'prune'"));
  CHECK_THROWS_WITH(parse_msdnet_config_json("{"), doctest::Contains("not valid JSON"));
}

}  // namespace
}  // namespace chase

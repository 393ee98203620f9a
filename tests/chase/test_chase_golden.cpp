// Every exit's logits of tiny f64 CHASE networks equal the PyTorch port's
// (benchmarks/peers/chase_torch.py), in evaluation then training mode, from the
// same state, and so do the BatchNorm running statistics that training mode
// updates: tests/golden/chase/tiny_net.safetensors, written by
// tests/golden/make_chase_net_golden.py (its docstring lists what the cases
// cover). The port's plan (widths, stacks, GAL blocks, exits) equals chase's.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chase/models/chase_net.h"
#include "tests/golden/golden.h"
#include "tests/test_util.h"

namespace chase {
namespace {

TEST_CASE("chase net: tiny f64 networks give the PyTorch port's logits and BatchNorm updates") {
  auto file = load_safetensors(test::test_data_path("golden/chase/tiny_net.safetensors"));
  auto cases = nlohmann::json::parse(file.metadata.at("cases")).get<std::vector<std::string>>();
  REQUIRE(cases == std::vector<std::string>{"all_on", "variants"});
  for (const auto& name : cases) {
    INFO("case " << name);
    auto config = parse_chase_config_json(file.metadata.at(name + ".config"));
    Generator init(7);
    ChaseNet model(config, init);
    model.to(DType::f64);
    CHECK(chase_plan_json(model.plan()) == file.metadata.at(name + ".plan"));
    TensorMap state;
    const std::string prefix = name + ".state.";
    for (const auto& [key, tensor] : file.tensors) {
      if (key.rfind(prefix, 0) == 0) state.emplace(key.substr(prefix.size()), tensor);
    }
    REQUIRE(state.size() == model.state_dict().size());
    model.load_state_dict(state);  // strict: the port's names are the model's
    Variable x(file.tensors.at(name + ".input"));
    REQUIRE(x.dtype() == DType::f64);
    for (const char* mode : {"eval", "train"}) {  // eval first: train updates running stats
      model.train(std::string(mode) == "train");
      auto logits = model.forward_exits(x);
      REQUIRE(std::ssize(logits) == std::ssize(model.plan().exits));
      for (std::size_t k = 0; k < logits.size(); ++k) {
        auto key = fmt::format("{}.exit{}.{}", name, k + 1, mode);
        REQUIRE(file.tensors.count(key) == 1);
        test::check_golden(logits[k].value(), file.tensors.at(key), DType::f64, key);
      }
      CHECK(file.tensors.count(fmt::format("{}.exit{}.{}", name, logits.size() + 1, mode)) == 0);
    }
    // The BatchNorm buffers after the training-mode pass, concatenated in the
    // order the generator wrote them.
    auto norms = nlohmann::json::parse(file.metadata.at(name + ".norms"))
                     .get<std::vector<std::string>>();
    REQUIRE(!norms.empty());
    const auto after = model.state_dict();
    for (const std::string buffer : {"running_mean", "running_var", "num_batches_tracked"}) {
      std::vector<double> values;
      DType dtype = DType::f64;
      for (const auto& norm : norms) {
        const Tensor& t = after.at(norm + "." + buffer);
        dtype = t.dtype();
        for (double v : t.to_vector()) values.push_back(v);
      }
      const auto n = static_cast<std::int64_t>(values.size());
      test::check_golden(Tensor::from_vector(values, {n}, dtype),
                         file.tensors.at(name + ".after_train." + buffer), DType::f64,
                         name + ".after_train." + buffer);
    }
  }
}

}  // namespace
}  // namespace chase

#include "chase/models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "chase/models/chase_presets.h"
#include "chase/models/msdnet_presets.h"
#include "chase/models/small_cnn.h"
#include "tensor/error.h"

namespace chase {
namespace {

// The one list of models, in the order --help lists them. A new model or
// preset is one more push_back.
std::vector<RegisteredModel> build_table() {
  std::vector<RegisteredModel> models;
  models.push_back(
      {"small-cnn", "4 convolutions and 2 linear layers, one exit (chase/models/small_cnn.h)",
       [](data::ImageShape input, std::int64_t num_classes, Generator& init,
          std::shared_ptr<Generator> dropout_rng) -> std::shared_ptr<MultiExitModel> {
         return std::make_shared<SmallCnn>(input, num_classes, init, std::move(dropout_rng));
       }});
  // MSDNet presets (chase/models/msdnet_presets.h, docs/msdnet.md); no dropout.
  for (const auto& preset : msdnet_presets()) {
    models.push_back(
        {preset.name,
         fmt::format("MSDNet, {} exits, for {}x{}x{} images (docs/msdnet.md)",
                     preset.config.n_blocks, preset.input.channels, preset.input.height,
                     preset.input.width),
         [name = preset.name](data::ImageShape input, std::int64_t num_classes, Generator& init,
                              std::shared_ptr<Generator>) -> std::shared_ptr<MultiExitModel> {
           return make_msdnet_preset(name, input, num_classes, init);
         },
         // msdnet-fmnist is the baseline beside chase-fmnist: trained by the same recipe.
         preset.name == "msdnet-fmnist" ? std::optional(train::fmnist_multi_exit_recipe())
                                        : std::nullopt,
         preset.input, preset.config.num_classes});
  }
  // CHASE presets (chase/models/chase_presets.h, docs/chase.md); no dropout. The
  // Fashion-MNIST ones (the network and its ablations) share msdnet-fmnist's recipe.
  for (const auto& preset : chase_presets()) {
    models.push_back(
        {preset.name,
         fmt::format("{}, {} exits, for {}x{}x{} images (docs/chase.md)", preset.summary,
                     plan_chase(preset.config).exits.size(), preset.input.channels,
                     preset.input.height, preset.input.width),
         [name = preset.name](data::ImageShape input, std::int64_t num_classes, Generator& init,
                              std::shared_ptr<Generator>) -> std::shared_ptr<MultiExitModel> {
           return make_chase_preset(name, input, num_classes, init);
         },
         preset.name.starts_with("chase-fmnist") ? std::optional(train::fmnist_multi_exit_recipe())
                                                 : std::nullopt,
         preset.input, preset.config.num_classes});
  }
  return models;
}

const std::vector<RegisteredModel>& table() {
  static const std::vector<RegisteredModel> models = build_table();
  return models;
}

}  // namespace

std::span<const RegisteredModel> registered_models() { return table(); }

std::span<const std::string> model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const auto& model : table()) list.push_back(model.name);
    return list;
  }();
  return names;
}

const RegisteredModel& registered_model(const std::string& name) {
  for (const auto& model : table()) {
    if (model.name == name) return model;
  }
  throw Error(fmt::format("unknown model '{}', expected one of {}", name,
                          fmt::join(model_names(), ", ")));
}

std::optional<train::TrainRecipe> model_recipe(const std::string& name) {
  return registered_model(name).recipe;
}

std::shared_ptr<MultiExitModel> make_model(const std::string& name, data::ImageShape input,
                                           std::int64_t num_classes, Generator& init,
                                           std::shared_ptr<Generator> dropout_rng) {
  return registered_model(name).make(input, num_classes, init, std::move(dropout_rng));
}

}  // namespace chase

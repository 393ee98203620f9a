// The models `chase train --model NAME` (and `chase flops`) can build: one
// table of names, each with a factory. A new model or preset is one entry in
// registry.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "chase/multi_exit_model.h"
#include "chase/train/train_recipe.h"
#include "data/dataset.h"
#include "tensor/random.h"

namespace chase {

// A classifier of `input` images into `num_classes` classes, its weights drawn
// from `init`; dropout layers (if any) draw from `dropout_rng`.
using ModelFactory = std::function<std::shared_ptr<MultiExitModel>(
    data::ImageShape input, std::int64_t num_classes, Generator& init,
    std::shared_ptr<Generator> dropout_rng)>;

struct RegisteredModel {
  std::string name;         // as typed after --model
  std::string description;  // one line, for listings
  ModelFactory make;
  // The default training recipe of `chase train --model NAME` (options given
  // on the command line override it); nullopt: TrainConfig's defaults.
  std::optional<train::TrainRecipe> recipe = std::nullopt;
  // The images and classes it is meant for (what `chase flops --model NAME`
  // counts when no --dataset or --input is given): Fashion-MNIST's by default.
  data::ImageShape input{1, 28, 28};
  std::int64_t num_classes = 10;
};

// The registered model called `name`; an unknown name throws listing the valid ones.
const RegisteredModel& registered_model(const std::string& name);

// Every registered model, in the table's order.
std::span<const RegisteredModel> registered_models();
// Their names, in the same order ("small-cnn", ...).
std::span<const std::string> model_names();

// The training recipe of model `name` (nullopt when it has none); an unknown
// name throws chase::Error listing the valid ones.
std::optional<train::TrainRecipe> model_recipe(const std::string& name);

// Builds model `name`; an unknown name throws chase::Error listing the valid ones.
std::shared_ptr<MultiExitModel> make_model(const std::string& name, data::ImageShape input,
                                           std::int64_t num_classes, Generator& init,
                                           std::shared_ptr<Generator> dropout_rng);

}  // namespace chase

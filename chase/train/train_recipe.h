// A model's default training recipe: the optimisation and regularisation
// values `chase train --model NAME` uses for every option the user does not
// give (chase/models/registry.h attaches one to a model; a model without one
// trains with TrainConfig's defaults). Command-line options still override
// each value one by one.
#pragma once

#include <cstdint>
#include <string>

#include "chase/train/train_config.h"

namespace chase::train {

struct TrainRecipe {
  std::int64_t epochs;
  std::int64_t batch_size;
  double lr;
  double momentum;
  bool nesterov;
  double weight_decay;
  double warmup_epochs;
  double label_smoothing;
  std::int64_t val_size;
  double random_erasing;  // probability, 0 = off

  bool operator==(const TrainRecipe&) const = default;
};

// The recipe of the multi-exit Fashion-MNIST models (chase-fmnist, and
// msdnet-fmnist, its baseline trained the same way). Its values and their
// reasons are in train_recipe.cpp.
TrainRecipe fmnist_multi_exit_recipe();

// Sets each of the recipe's fields in `config`; leaves the others (dataset,
// model, folders, seed, exit weights, execution) as they are.
void apply_recipe(const TrainRecipe& recipe, TrainConfig& config);

// The recipe as the command-line options that give it:
// "--epochs 40 --batch-size 128 ... --random-erasing 0.25".
std::string recipe_options(const TrainRecipe& recipe);

}  // namespace chase::train

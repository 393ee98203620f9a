// The datasets `chase train` knows, each with its training recipe: where the
// files are, and the augmentations of the training set (random crop with
// zero padding, horizontal flip) and the normalisation both sets get.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"

namespace chase::train {

struct DatasetRecipe {
  std::shared_ptr<const data::Dataset> train, test;
  data::TransformPipeline train_transforms;  // augmentations, then normalisation
  data::TransformPipeline test_transforms;   // normalisation only
};

// "fashion-mnist", "cifar10", "cifar100".
std::span<const std::string> dataset_names();

// Loads both splits of `name` from `dir`. An empty `dir` means the embedded
// default for Fashion-MNIST (Debian's dataset-fashion-mnist); CIFAR has none
// (these machines cannot download it) and throws, pointing to `chase data fetch`.
DatasetRecipe load_dataset_recipe(const std::string& name, const std::filesystem::path& dir);

// The recipe of dataset `name` around images the caller provides (a subset,
// synthetic images of the same kind).
DatasetRecipe make_recipe(const std::string& name, std::shared_ptr<const data::Dataset> train,
                          std::shared_ptr<const data::Dataset> test);

// `recipe` with random erasing (data/random_erasing.h, torchvision's area and
// aspect ranges) of probability `probability` appended to its training
// transforms, after the normalisation, so that erased pixels hold the mean.
// 0 returns `recipe` unchanged; the test transforms are never changed.
DatasetRecipe with_random_erasing(DatasetRecipe recipe, double probability);

}  // namespace chase::train

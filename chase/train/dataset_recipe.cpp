#include "chase/train/dataset_recipe.h"

#include <array>
#include <vector>

#include "data/cifar.h"
#include "data/idx.h"
#include "data/random_erasing.h"
#include "tensor/error.h"

namespace chase::train {
namespace {

const std::array<std::string, 3> kDatasetNames = {"fashion-mnist", "cifar10", "cifar100"};

struct Augmentation {
  std::int64_t crop_padding;
  std::vector<float> mean, stddev;  // per channel, of the training set's pixels in [0, 1]
};

Augmentation augmentation_of(const std::string& name) {
  // Pad 2 on 28x28 shifts by up to 7%, as pad 4 does on CIFAR's 32x32.
  if (name == "fashion-mnist") return {2, {0.2860f}, {0.3530f}};
  if (name == "cifar10") return {4, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
  if (name == "cifar100") return {4, {0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}};
  throw Error(fmt::format("unknown dataset '{}', expected one of {}", name,
                          fmt::join(kDatasetNames, ", ")));
}

std::filesystem::path require_cifar_dir(const std::string& name, const std::filesystem::path& dir) {
  CHASE_CHECK(!dir.empty(),
              "--dataset {0} needs --data DIR, a folder holding the official binary "
              "files; `chase data fetch {0} --dir DIR` downloads them",
              name);
  return dir;
}

}  // namespace

std::span<const std::string> dataset_names() { return kDatasetNames; }

DatasetRecipe make_recipe(const std::string& name, std::shared_ptr<const data::Dataset> train,
                          std::shared_ptr<const data::Dataset> test) {
  const auto augmentation = augmentation_of(name);
  auto normalize = std::make_shared<data::Normalize>(augmentation.mean, augmentation.stddev);
  DatasetRecipe recipe{std::move(train), std::move(test), {}, {}};
  recipe.train_transforms.add(std::make_shared<data::RandomCrop>(augmentation.crop_padding))
      .add(std::make_shared<data::RandomHorizontalFlip>(0.5))
      .add(normalize);
  recipe.test_transforms.add(normalize);
  return recipe;
}

DatasetRecipe with_random_erasing(DatasetRecipe recipe, double probability) {
  CHASE_CHECK(probability >= 0.0 && probability <= 1.0,
              "random erasing: probability must be in [0, 1], got {}", probability);
  if (probability > 0.0) {
    recipe.train_transforms.add(std::make_shared<data::RandomErasing>(
        data::RandomErasingOptions{.probability = probability}));
  }
  return recipe;
}

DatasetRecipe load_dataset_recipe(const std::string& name, const std::filesystem::path& dir) {
  using data::Split;
  augmentation_of(name);  // an unknown name fails before any file is opened
  if (name == "fashion-mnist") {
    auto folder = dir.empty() ? data::kDefaultFashionMnistDir : dir;
    return make_recipe(name, data::load_fashion_mnist(Split::train, folder),
                       data::load_fashion_mnist(Split::test, folder));
  }
  auto folder = require_cifar_dir(name, dir);
  if (name == "cifar10") {
    return make_recipe(name, data::load_cifar10(folder, Split::train),
                       data::load_cifar10(folder, Split::test));
  }
  return make_recipe(name, data::load_cifar100(folder, Split::train),
                     data::load_cifar100(folder, Split::test));
}

}  // namespace chase::train

// One small-cnn epoch on the first 2,000 Fashion-MNIST training images,
// evaluated on the first 500 test images, must give the same loss and
// accuracy figures bit for bit as the trainer did when they were recorded:
// a refactoring of the training machinery that changes any arithmetic (the
// order of a sum, a loss term, the data order, a random stream) shows here.
//
// Determinism: the reference CPU kernels (plain loops compiled for one ISA,
// x86-64-v3, where oneDNN picks its code at run time by CPU, so its sums could
// differ on another machine), a fixed thread count (2), the loader's seeded
// streams (independent of its worker count). About 75 s of CPU time, 40 s on
// two idle cores.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process, so that concurrent runs do not collide

#include <filesystem>
#include <numeric>

#include "chase/train/trainer.h"
#include "data/idx.h"
#include "tests/chase/trainer_test_data.h"

using namespace chase;
using namespace chase::train;
using chase::test::first_images;

namespace {

namespace fs = std::filesystem;

bool fashion_mnist_installed() {
  return fs::exists(data::kDefaultFashionMnistDir / "train-images-idx3-ubyte.gz") &&
         fs::exists(data::kDefaultFashionMnistDir / "t10k-images-idx3-ubyte.gz");
}

// Recorded at commit 5267e58 (the trainer in examples/, before it moved into chase/).
constexpr double kTrainLoss = 1.7445532172918319;
constexpr double kTrainAcc = 0.40600000000000003;
constexpr double kTestLoss = 0.96737158298492432;
constexpr double kTestAccuracy = 0.68999999999999995;

}  // namespace

TEST_CASE("trainer regression: one small-cnn epoch on 2,000 Fashion-MNIST images, bit for bit" *
          doctest::skip(!fashion_mnist_installed())) {
  auto recipe = load_dataset_recipe("fashion-mnist", {});
  recipe.train = first_images(recipe.train, 2000);
  recipe.test = first_images(recipe.test, 500);

  TrainConfig config;
  config.out_dir = fs::temp_directory_path() / fmt::format("chase_test_trainer_regression_{}", getpid());
  fs::remove_all(config.out_dir);
  config.model = "small-cnn";
  config.epochs = 1;
  config.batch_size = 100;
  config.lr = 0.05;
  config.warmup_epochs = 0.5;
  config.seed = 7;
  config.cpu_kernels = CpuBackend::reference;
  config.threads = 2;
  config.workers = 2;
  config.log_every = 1000;

  const auto history = run_training(config, recipe, [](const std::string&) {});
  REQUIRE(history.size() == 1);
  const auto& m = history[0];
  INFO(fmt::format("train_loss {:.17g} train_acc {:.17g} test_loss {:.17g} test_accuracy {:.17g}",
                      m.train_loss, m.train_acc, m.test_loss, m.test_accuracy));
  CHECK(m.train_loss == kTrainLoss);
  CHECK(m.train_acc == kTrainAcc);
  CHECK(m.test_loss == kTestLoss);
  CHECK(m.test_accuracy == kTestAccuracy);
  fs::remove_all(config.out_dir);
}

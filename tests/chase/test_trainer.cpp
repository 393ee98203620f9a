// The trainer end to end on a small slice of Fashion-MNIST (synthetic images
// where the dataset is not installed): the loss goes down, a run interrupted
// and resumed ends bit-identical to an uninterrupted one, and mistakes are
// refused with errors that say what is wrong.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process, so that concurrent runs do not collide

#include <cmath>
#include <filesystem>
#include <numbers>
#include <numeric>

#include "chase/train/run_checkpoint.h"
#include "chase/train/trainer.h"
#include "data/idx.h"
#include "nn/safetensors.h"
#include "tensor/device.h"
#include "tests/chase/trainer_test_data.h"
#include "tests/test_util.h"

using namespace chase;
using namespace chase::train;
using chase::test::band_images;
using chase::test::first_images;

namespace {

namespace fs = std::filesystem;

// The Fashion-MNIST recipe (augmentation, normalisation) on the first images
// of each split, or on synthetic images when the dataset is not installed.
DatasetRecipe small_recipe(std::int64_t train_images, std::int64_t test_images) {
  if (fs::exists(data::kDefaultFashionMnistDir / "train-images-idx3-ubyte.gz")) {
    auto recipe = load_dataset_recipe("fashion-mnist", {});
    recipe.train = first_images(recipe.train, train_images);
    recipe.test = first_images(recipe.test, test_images);
    return recipe;
  }
  MESSAGE("Fashion-MNIST is not installed: training on synthetic images");
  return make_recipe("fashion-mnist", band_images(train_images, 1),
                     band_images(test_images, 2));
}

TrainConfig small_config(const std::string& name) {
  TrainConfig config;
  config.out_dir = fs::temp_directory_path() / fmt::format("chase_test_trainer_{}_{}", name, getpid());
  fs::remove_all(config.out_dir);
  config.epochs = 2;
  config.batch_size = 50;
  config.warmup_epochs = 0.5;
  config.log_every = 1000;
  return config;
}

void ignore(const std::string&) {}

bool gpu_usable() { return cuda_device_count() > 0; }

}  // namespace

TEST_CASE("trainer: two short epochs lower the loss and leave metrics and a checkpoint") {
  auto config = small_config("loss");
  auto history = run_training(config, small_recipe(1000, 500), ignore);
  REQUIRE(history.size() == 2);
  INFO("epoch 1: " << to_log_line(history[0]));
  INFO("epoch 2: " << to_log_line(history[1]));
  CHECK(history[1].train_loss < history[0].train_loss);
  CHECK(history[1].test_loss < std::log(10.0));  // better than guessing among 10 classes
  CHECK(history[1].test_accuracy > 0.5);
  CHECK(history[1].lr == doctest::Approx(0.05 * 0.5 * (1 + std::cos(std::numbers::pi * 29 / 30))));

  std::ifstream metrics(config.out_dir / RunLog::kMetricsFile);
  std::string line;
  std::int64_t lines = 0;
  while (std::getline(metrics, line)) CHECK(from_json_line(line).epoch == ++lines);
  CHECK(lines == 2);
  CHECK(has_run_checkpoint(config.out_dir));
  fs::remove_all(config.out_dir);
}

TEST_CASE("trainer: a run interrupted in epoch 2 and resumed ends as the uninterrupted one") {
  auto data = small_recipe(128, 64);  // 3 steps per epoch
  auto whole = small_config("whole");
  auto whole_history = run_training(whole, data, ignore);

  auto split = small_config("split");
  split.log_every = 1;
  // A crash in the middle of epoch 2, after epoch 1's checkpoint was written.
  auto crash_in_epoch_2 = [](const std::string& line) {
    if (line.starts_with("epoch 2/2  step 2/")) throw std::runtime_error("simulated crash");
  };
  CHECK_THROWS_WITH(run_training(split, data, crash_in_epoch_2), "simulated crash");
  split.resume = true;
  auto split_history = run_training(split, data, ignore);

  REQUIRE(split_history.size() == 2);
  for (std::size_t e = 0; e < 2; ++e) {
    CHECK(split_history[e].train_loss == whole_history[e].train_loss);
    CHECK(split_history[e].test_loss == whole_history[e].test_loss);
    CHECK(split_history[e].test_accuracy == whole_history[e].test_accuracy);
  }
  for (const char* file : {"model.safetensors", "training_state.safetensors"}) {
    auto a = load_safetensors((whole.out_dir / "checkpoints/epoch-0002" / file).string());
    auto b = load_safetensors((split.out_dir / "checkpoints/epoch-0002" / file).string());
    REQUIRE(a.tensors.size() == b.tensors.size());
    for (const auto& [name, tensor] : a.tensors) {
      INFO(file << ": " << name);
      REQUIRE(b.tensors.contains(name));
      CHECK(max_abs_diff(tensor, b.tensors.at(name)) == 0.0);
    }
    CHECK(a.metadata == b.metadata);
  }
  fs::remove_all(whole.out_dir);
  fs::remove_all(split.out_dir);
}

TEST_CASE("trainer: refusals name the problem") {
  auto data = small_recipe(100, 50);
  auto config = small_config("refusals");
  config.epochs = 1;
  run_training(config, data, ignore);

  CHECK_THROWS_WITH_AS(run_training(config, data, ignore),
                       doctest::Contains("already holds a run; pass --resume"), Error);
  config.resume = true;
  config.lr = 0.1;
  CHECK_THROWS_WITH_AS(run_training(config, data, ignore),
                       doctest::Contains("--lr 0.1 (the checkpoint has 0.05)"), Error);
  fs::remove_all(config.out_dir);

  auto poisoned = make_recipe("fashion-mnist", band_images(100, 1, 10, /*poison=*/true),
                              band_images(50, 2));
  auto nan_config = small_config("nan");
  CHECK_THROWS_WITH_AS(run_training(nan_config, poisoned, ignore),
                       doctest::Contains("the loss is nan at epoch 1 step 1/2"), Error);
  fs::remove_all(nan_config.out_dir);

  auto bad = small_config("bad");
  bad.warmup_epochs = 3;
  CHECK_THROWS_WITH_AS(run_training(bad, data, ignore),
                       "--warmup-epochs must lie in [0, --epochs = 2], got 3", Error);
  auto unknown_device = small_config("unknown_device");
  unknown_device.device = "gpu1";
  CHECK_THROWS_WITH_AS(run_training(unknown_device, data, ignore),
                       "--device must be cpu, cuda or cuda:N, got 'gpu1'", Error);
}

TEST_CASE("trainer: --device cuda:N past the usable GPUs names them" *
          doctest::skip(!gpu_usable())) {
  auto config = small_config("cuda_past_last");
  config.device = fmt::format("cuda:{}", cuda_device_count());
  CHECK_THROWS_WITH_AS(run_training(config, small_recipe(100, 50), ignore),
                       doctest::Contains(fmt::format("only {} CUDA device(s) found",
                                                     cuda_device_count())
                                             .c_str()),
                       Error);
}

TEST_CASE("trainer: --device cuda is refused with the reason where no GPU is usable" *
          doctest::skip(gpu_usable())) {
  auto config = small_config("cuda_refused");
  config.device = "cuda";
#ifdef CHASE_WITH_CUDA
  // Followed by the CUDA runtime's reason, which depends on the machine.
  const std::string expected = "--device cuda: cuda:0 is not usable: no usable CUDA device (";
#else
  const std::string expected =
      "--device cuda: device cuda:0: this build of chase has no CUDA backend";
#endif
  CHECK_THROWS_WITH_AS(run_training(config, small_recipe(100, 50), ignore),
                       doctest::Contains(expected.c_str()), Error);
}

// f32 on two backends: cuDNN and cuBLAS round differently from the CPU
// kernels, so the curves agree closely but not bit for bit; the random streams
// (dropout, shuffling) are the same on both devices.
TEST_CASE("trainer: --device cuda follows the CPU run's loss curve" *
          doctest::skip(!gpu_usable())) {
  auto data = small_recipe(100, 50);
  auto on_cpu = small_config("curve_cpu");
  auto on_gpu = small_config("curve_gpu");
  on_gpu.device = "cuda";
  const auto cpu_history = run_training(on_cpu, data, ignore);
  const auto gpu_history = run_training(on_gpu, data, ignore);
  REQUIRE(gpu_history.size() == cpu_history.size());
  for (std::size_t e = 0; e < cpu_history.size(); ++e) {
    INFO("epoch " << e + 1);
    CHECK(gpu_history[e].train_loss == doctest::Approx(cpu_history[e].train_loss).epsilon(1e-3));
    CHECK(gpu_history[e].test_loss == doctest::Approx(cpu_history[e].test_loss).epsilon(1e-3));
    // At most one of the 50 test images may change its predicted class.
    CHECK(std::abs(gpu_history[e].test_accuracy - cpu_history[e].test_accuracy) <= 0.02 + 1e-12);
  }
  fs::remove_all(on_cpu.out_dir);
  fs::remove_all(on_gpu.out_dir);
}

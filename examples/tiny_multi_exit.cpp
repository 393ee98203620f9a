// A user's own multi-exit model trained through the chase library alone: a
// two-exit CNN defined here, trained for 200 steps on the first 12,800
// Fashion-MNIST training images with the multi-exit loss (the sum of both
// exits' cross-entropy), then each exit's test accuracy printed.
//
//   tiny_multi_exit [OUT_DIR]     (default: a folder under the system's temp dir)
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <numeric>

#include "chase/multi_exit_model.h"
#include "chase/train/dataset_recipe.h"
#include "chase/train/fit.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/relu.h"
#include "nn/sequential.h"

using namespace chase;

// 28x28x1 -> [conv BN ReLU pool] -> exit 1: linear on 16x14x14 -> 10 classes
//         -> [conv BN ReLU pool] -> exit 2: linear on 32x7x7   -> 10 classes
class TinyTwoExit : public MultiExitModel {
 public:
  explicit TinyTwoExit(Generator& init) : MultiExitModel("TinyTwoExit") {
    block1_ = register_module("block1", conv_block(1, 16, init));
    exit1_ = register_module("exit1", classifier(16 * 14 * 14, init));
    block2_ = register_module("block2", conv_block(16, 32, init));
    exit2_ = register_module("exit2", classifier(32 * 7 * 7, init));
  }

  std::vector<Variable> forward_exits(const Variable& x) override {
    Variable h1 = (*block1_)(x);
    Variable h2 = (*block2_)(h1);
    return {(*exit1_)(h1), (*exit2_)(h2)};
  }
  std::int64_t exit_count() const override { return 2; }

 private:
  static std::shared_ptr<Sequential> conv_block(std::int64_t in, std::int64_t out, Generator& init) {
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Conv2d>(in, out, Pair{3, 3}, init, Conv2dOptions{.padding = {1, 1}}),
        std::make_shared<BatchNorm2d>(out), std::make_shared<ReLU>(),
        std::make_shared<MaxPool2d>(Pool2dOptions{})});
  }
  static std::shared_ptr<Sequential> classifier(std::int64_t features, Generator& init) {
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Flatten>(), std::make_shared<Linear>(features, 10, init)});
  }
  std::shared_ptr<Sequential> block1_, exit1_, block2_, exit2_;
};

int main(int argc, char** argv) try {
  const std::filesystem::path out =
      argc > 1 ? argv[1] : std::filesystem::temp_directory_path() / "chase_tiny_multi_exit";
  std::filesystem::remove_all(out / "checkpoints");  // a fresh run each time

  // Fashion-MNIST from Debian's dataset-fashion-mnist, with its augmentation.
  auto data = train::load_dataset_recipe("fashion-mnist", {});
  std::vector<std::int64_t> first(12800);
  std::iota(first.begin(), first.end(), 0);
  auto images = std::make_shared<data::SubsetDataset>(data.train, first, "fashion-mnist[:12800]");
  data::DataLoader train_loader(images, {.batch_size = 64, .seed = 1}, data.train_transforms);
  data::DataLoader test_loader(data.test, {.batch_size = 500, .shuffle = false},
                               data.test_transforms);

  Generator init(1);
  TinyTwoExit model(init);
  Sgd optimizer(model.named_parameters(), {.lr = 0.05, .momentum = 0.9, .nesterov = true});
  const CosineSchedule schedule(0.05, train_loader.num_batches(), train_loader.num_batches() / 10);

  const auto history = train::fit(model, train::MultiExitLoss(), optimizer, schedule, train_loader,
                                  test_loader, {.epochs = 1, .out_dir = out, .log_every = 100});
  for (const auto& exit : history.back().exits) {
    fmt::print("exit {}: test accuracy {:.2f}%\n", exit.exit, 100.0 * exit.test_top1);
  }
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "tiny_multi_exit: {}\n", error.what());
  return 1;
}

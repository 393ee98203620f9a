// The library's training entry point with a multi-exit model written in the
// test (as a user writes one): every exit in metrics.jsonl, a resumed run
// bit-identical to an uninterrupted one, the validation split (--val-size),
// and the refusals of bad input, each leaving an existing run folder as it was.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>  // getpid: a folder per process, so that concurrent runs do not collide

#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "chase/models/registry.h"
#include "chase/train/evaluate.h"
#include "chase/train/fit.h"
#include "chase/train/run_checkpoint.h"
#include "chase/train/trainer.h"
#include "chase/train/validation_split.h"
#include "data/split.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/relu.h"
#include "nn/safetensors.h"
#include "nn/sequential.h"
#include "tests/chase/trainer_test_data.h"
#include "tests/test_util.h"

using namespace chase;
using namespace chase::train;
using chase::test::band_images;

namespace {

namespace fs = std::filesystem;

// Two exits: one after a first convolution, one after a second.
class TwoExitToy : public MultiExitModel {
 public:
  TwoExitToy(Generator& init, std::int64_t classes = 10) : MultiExitModel("TwoExitToy") {
    auto block = [&](std::int64_t in, std::int64_t out) {
      return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
          std::make_shared<Conv2d>(in, out, Pair{3, 3}, init, Conv2dOptions{.padding = {1, 1}}),
          std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(Pool2dOptions{})});
    };
    auto head = [&](std::int64_t features) {
      return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
          std::make_shared<Flatten>(), std::make_shared<Linear>(features, classes, init)});
    };
    block1_ = register_module("block1", block(1, 4));
    exit1_ = register_module("exit1", head(4 * 14 * 14));
    block2_ = register_module("block2", block(4, 8));
    exit2_ = register_module("exit2", head(8 * 7 * 7));
  }
  std::vector<Variable> forward_exits(const Variable& x) override {
    Variable h1 = (*block1_)(x);
    return {(*exit1_)(h1), (*exit2_)((*block2_)(h1))};
  }
  std::int64_t exit_count() const override { return 2; }

 private:
  std::shared_ptr<Sequential> block1_, exit1_, block2_, exit2_;
};

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / fmt::format("chase_test_multi_exit_{}_{}", name, getpid());
  fs::remove_all(dir);
  return dir;
}

// Every file under `dir` with its contents: a folder "left untouched" has the same.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    files[fs::relative(entry.path(), dir).string()] = text.str();
  }
  return files;
}

// One two-exit run through fit(): 3 steps per epoch, 2 epochs.
struct ToyRun {
  explicit ToyRun(const fs::path& out)
      : train_loader(band_images(96, 1), {.batch_size = 32, .seed = 3, .num_workers = 1}),
        test_loader(band_images(40, 2), {.batch_size = 16, .shuffle = false}),
        init(5),
        model(init),
        optimizer(model.named_parameters(), {.lr = 0.05, .momentum = 0.9, .nesterov = true}),
        schedule(0.05, 6, 1) {
    options = {.epochs = 2, .out_dir = out, .log_every = 1, .recipe = {{"toy", 1}}};
  }
  std::vector<EpochMetrics> fit(const MessageSink& sink) {
    return train::fit(model, MultiExitLoss({.exit_weights = {0.5, 1.0}}), optimizer, schedule,
                      train_loader, test_loader, options, sink);
  }
  data::DataLoader train_loader, test_loader;
  Generator init;
  TwoExitToy model;
  Sgd optimizer;
  CosineSchedule schedule;
  FitOptions options;
};

void ignore(const std::string&) {}

TrainConfig band_config(const std::string& name) {
  TrainConfig config;
  config.out_dir = fresh_dir(name);
  config.epochs = 1;
  config.batch_size = 50;
  config.log_every = 1000;
  config.workers = 1;
  return config;
}

DatasetRecipe band_recipe(std::int64_t train_images, std::int64_t test_images) {
  return make_recipe("fashion-mnist", band_images(train_images, 1), band_images(test_images, 2));
}

}  // namespace

TEST_CASE("fit: a two-exit model records every exit in metrics.jsonl; the top level is the last") {
  ToyRun run(fresh_dir("metrics"));
  std::vector<std::string> lines;
  const auto history = run.fit([&](const std::string& line) { lines.push_back(line); });
  REQUIRE(history.size() == 2);
  for (const auto& epoch : history) {
    REQUIRE(epoch.exits.size() == 2);
    CHECK(epoch.exits[0].exit == 1);
    CHECK(epoch.exits[1].exit == 2);
    CHECK(epoch.test_accuracy == epoch.exits[1].test_top1);
    CHECK(epoch.test_loss == epoch.exits[1].test_loss);
    CHECK(epoch.train_acc == epoch.exits[1].train_acc);
    CHECK(epoch.exits[0].test_loss != epoch.exits[1].test_loss);
    CHECK_FALSE(epoch.exits[0].test_top5.has_value());  // 10 classes: top-1 only
    CHECK_FALSE(epoch.val_loss.has_value());
  }
  // Epoch 2's train loss is the weighted sum of both exits' cross-entropy: it
  // falls as the exits learn the bands.
  CHECK(history[1].train_loss < history[0].train_loss);

  std::ifstream metrics(run.options.out_dir / RunLog::kMetricsFile);
  std::string line;
  std::vector<EpochMetrics> read;
  while (std::getline(metrics, line)) {
    CHECK(line.find("\"exits\":[{\"exit\":1,\"train_acc\":") != std::string::npos);
    read.push_back(from_json_line(line));
  }
  REQUIRE(read.size() == 2);
  CHECK(read[1].exits[0].test_top1 == history[1].exits[0].test_top1);
  CHECK(read[1].exits[1].test_loss == history[1].exits[1].test_loss);
  // The progress line shows the first and the last exit.
  CHECK(std::ranges::any_of(lines, [](const std::string& l) {
    return l.starts_with("epoch 1/2  step 1/3  loss ") && l.find("% (exit 1) ") != std::string::npos &&
           l.find("% (exit 2)  ") != std::string::npos;
  }));
  fs::remove_all(run.options.out_dir);
}

TEST_CASE("fit: a two-exit run interrupted in epoch 2 and resumed ends as the uninterrupted one") {
  ToyRun whole(fresh_dir("whole"));
  const auto whole_history = whole.fit(ignore);

  const auto split_dir = fresh_dir("split");
  {
    ToyRun crashing(split_dir);
    auto crash_in_epoch_2 = [](const std::string& line) {
      if (line.starts_with("epoch 2/2  step 2/")) throw std::runtime_error("simulated crash");
    };
    CHECK_THROWS_WITH(crashing.fit(crash_in_epoch_2), "simulated crash");
  }
  ToyRun resumed(split_dir);  // a new process: fresh model, optimizer and loaders
  resumed.options.resume = true;
  const auto split_history = resumed.fit(ignore);

  REQUIRE(split_history.size() == 2);
  for (std::size_t e = 0; e < 2; ++e) {
    CHECK(split_history[e].train_loss == whole_history[e].train_loss);
    for (std::size_t k = 0; k < 2; ++k) {
      CHECK(split_history[e].exits[k].test_loss == whole_history[e].exits[k].test_loss);
      CHECK(split_history[e].exits[k].test_top1 == whole_history[e].exits[k].test_top1);
    }
  }
  for (const char* file : {"model.safetensors", "training_state.safetensors"}) {
    auto a = load_safetensors((whole.options.out_dir / "checkpoints/epoch-0002" / file).string());
    auto b = load_safetensors((split_dir / "checkpoints/epoch-0002" / file).string());
    REQUIRE(a.tensors.size() == b.tensors.size());
    for (const auto& [name, tensor] : a.tensors) {
      INFO(file << ": " << name);
      REQUIRE(b.tensors.contains(name));
      CHECK(max_abs_diff(tensor, b.tensors.at(name)) == 0.0);
    }
  }
  fs::remove_all(whole.options.out_dir);
  fs::remove_all(split_dir);
}

TEST_CASE("top-5: counted where there are 100 or more classes") {
  // Row 0: label 2 ranks 3rd; row 1: label 0 ranks 6th; row 2: a tie with the label counts.
  auto logits = Tensor::from_vector({5, 4, 3, 2, 1, 0,  //
                                     0, 5, 4, 3, 2, 1,  //
                                     1, 1, 1, 1, 1, 1},
                                    {3, 6});
  auto labels = Tensor::from_vector({2, 0, 5}, {3}, DType::i64);
  CHECK(count_top_k(logits, labels, 5) == 2);
  CHECK(count_top_k(logits, labels, 6) == 3);
  CHECK(count_top_k(logits, labels, 1) == 1);  // row 2's tie
  CHECK(count_correct(logits, labels) == 0);   // argmax takes the first of a tie

  Generator init(1);
  TwoExitToy model(init, 100);
  data::DataLoader loader(band_images(30, 4, 100), {.batch_size = 16, .shuffle = false});
  BatchUploader uploader(Device::cpu());
  auto result = evaluate(model, loader, uploader);
  REQUIRE(result.exits.size() == 2);
  for (const auto& exit : result.exits) {
    REQUIRE(exit.top5.has_value());
    CHECK(*exit.top5 >= exit.top1);
  }
  EpochMetrics metrics{.epoch = 1};
  metrics.exits.push_back({.exit = 1, .test_top1 = 0.25, .test_top5 = 0.5});
  auto line = to_json_line(metrics);
  CHECK(line.find("\"exits\":[{\"exit\":1,\"train_acc\":0.0,\"test_loss\":0.0,\"test_top1\":0.25,"
                  "\"test_top5\":0.5}]") != std::string::npos);
  CHECK(from_json_line(line).exits.at(0).test_top5 == 0.5);
}

TEST_CASE("--val-size: seeded held-out images, recorded in the run, never trained on") {
  auto data = band_recipe(300, 50);
  auto config = band_config("val");
  config.val_size = 60;
  config.seed = 11;
  const auto history = run_training(config, data, ignore);
  REQUIRE(history.size() == 1);
  REQUIRE(history[0].val_loss.has_value());
  REQUIRE(history[0].val_accuracy.has_value());
  CHECK(history[0].exits.at(0).val_top1.has_value());
  CHECK(*history[0].val_accuracy == *history[0].exits.at(0).val_top1);

  const auto record = load_validation_record(config.out_dir);
  CHECK(record.dataset == "fashion-mnist");
  CHECK(record.training_images == 300);
  CHECK(record.seed == 11);
  REQUIRE(record.indices.size() == 60);
  CHECK(std::ranges::is_sorted(record.indices));
  CHECK(std::set<std::int64_t>(record.indices.begin(), record.indices.end()).size() == 60);
  CHECK(record.indices == data::holdout_split(300, 60, 11).validation);

  // The training images are the rest: disjoint, and together all of them.
  const auto split = hold_out(data.train, 60, 11);
  const auto& train_subset = dynamic_cast<const data::SubsetDataset&>(*split.train).indices();
  CHECK(split.indices == record.indices);
  CHECK(train_subset.size() == 240);
  std::set<std::int64_t> all(train_subset.begin(), train_subset.end());
  for (auto index : record.indices) CHECK(all.insert(index).second);
  CHECK(all.size() == 300);
  // The training description counts only the images left to train on.
  std::ifstream log(config.out_dir / RunLog::kLogFile);
  std::stringstream text;
  text << log.rdbuf();
  CHECK(text.str().find("240 training, 60 validation and 50 test images") != std::string::npos);

  // Resuming checks the split it holds out is the recorded one.
  config.resume = true;
  config.epochs = 1;
  auto tampered = record;
  tampered.indices[0] = record.indices[0] == 0 ? 1 : 0;
  save_validation_record(config.out_dir, tampered);
  const auto before = snapshot(config.out_dir);
  CHECK_THROWS_WITH_AS(run_training(config, data, ignore),
                       doctest::Contains("is not the one recorded in"), Error);
  CHECK(snapshot(config.out_dir) == before);
  fs::remove_all(config.out_dir);
}

TEST_CASE("--val-size: negative or not below the training set's size is refused, folder untouched") {
  auto data = band_recipe(100, 20);
  auto config = band_config("val_refused");
  run_training(config, data, ignore);  // an existing run
  const auto before = snapshot(config.out_dir);
  REQUIRE(!before.empty());

  config.resume = true;
  for (std::int64_t bad : {-1, 100, 250}) {
    INFO("--val-size " << bad);
    config.val_size = bad;
    CHECK_THROWS_AS(run_training(config, data, ignore), Error);
    CHECK(snapshot(config.out_dir) == before);
  }
  config.val_size = -1;
  CHECK_THROWS_WITH_AS(run_training(config, data, ignore),
                       "--val-size must be non-negative, got -1", Error);
  config.val_size = 100;
  CHECK_THROWS_WITH_AS(run_training(config, data, ignore),
                       doctest::Contains("--val-size must lie in [1, 100) for the 100 training "
                                         "images"),
                       Error);
  // A new run in another folder is refused before the folder is made.
  auto fresh = band_config("val_refused_fresh");
  fresh.val_size = 100;
  CHECK_THROWS_AS(run_training(fresh, data, ignore), Error);
  CHECK_FALSE(fs::exists(fresh.out_dir));
  fs::remove_all(config.out_dir);
}

TEST_CASE("bad input: unknown model, exit weights, another architecture; folders untouched") {
  Generator init(1);
  const auto dropout = std::make_shared<Generator>(2);
  // Every registered name is listed.
  const auto names = fmt::format("{}", fmt::join(model_names(), ", "));
  CHECK(names.starts_with("small-cnn"));
  CHECK_THROWS_WITH_AS(make_model("resnet", {1, 28, 28}, 10, init, dropout),
                       ("unknown model 'resnet', expected one of " + names).c_str(),
                       Error);

  auto data = band_recipe(100, 20);
  auto unknown = band_config("unknown_model");
  unknown.model = "resnet";
  CHECK_THROWS_WITH_AS(run_training(unknown, data, ignore),
                       doctest::Contains("expected one of small-cnn"), Error);
  CHECK_FALSE(fs::exists(unknown.out_dir));

  auto weights = band_config("exit_weights");
  weights.exit_weights = {1.0, 1.0};
  CHECK_THROWS_WITH_AS(run_training(weights, data, ignore),
                       "--exit-weights: 2 weights given, but small-cnn has 1 exit", Error);
  CHECK_FALSE(fs::exists(weights.out_dir));

  // A small-cnn run's checkpoint loaded into a model of another architecture
  // names the first parameter that differs, and leaves the model unchanged.
  auto config = band_config("architecture");
  run_training(config, data, ignore);
  const auto before = snapshot(config.out_dir);
  TwoExitToy toy(init);
  const auto toy_weights = toy.state_dict().at("block1.0.weight").clone();
  Sgd optimizer(toy.named_parameters(), {.lr = 0.05, .momentum = 0.9});
  const RunRecipe recipe = nlohmann::ordered_json::parse(
      R"({"dataset":"fashion-mnist","model":"small-cnn","epochs":1,"batch-size":50,"lr":0.05,
          "momentum":0.9,"nesterov":true,"weight-decay":0.0005,"warmup-epochs":1.0,"seed":1})");
  CHECK_THROWS_WITH_AS(load_run_checkpoint(config.out_dir, recipe, toy, optimizer),
                       doctest::Contains("missing \"block1.0.weight\""), Error);
  CHECK(max_abs_diff(toy.state_dict().at("block1.0.weight"), toy_weights) == 0.0);

  // The same network for 3-channel images: the first mismatch is the first layer's weight.
  auto small_cnn_rgb = make_model("small-cnn", {3, 28, 28}, 10, init, dropout);
  Sgd rgb_optimizer(small_cnn_rgb->named_parameters(), {.lr = 0.05, .momentum = 0.9});
  CHECK_THROWS_WITH_AS(
      load_run_checkpoint(config.out_dir, recipe, *small_cnn_rgb, rgb_optimizer),
      doctest::Contains("1 problem(s): \"0.weight\": expected f32 [32, 3, 3, 3], got f32 [32, 1, 3, "
                        "3]"),
      Error);
  CHECK(snapshot(config.out_dir) == before);
  fs::remove_all(config.out_dir);
}

TEST_CASE("small-cnn: a one-exit MultiExitModel with the state-dict names of its Sequential days") {
  Generator init(1);
  auto model = make_model("small-cnn", {1, 28, 28}, 10, init, std::make_shared<Generator>(2));
  CHECK(model->exit_count() == 1);
  CHECK(model->parameter_count() == 468010);  // docs/results.md, PyTorch's count
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model->state_dict()) names.push_back(name);
  // Layers by position, as torch.nn.Sequential names them (benchmarks/peers/train_torch.py).
  for (const char* name : {"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "3.weight", "4.running_var", "7.weight", "10.weight", "11.bias",
                           "15.weight", "15.bias", "18.weight", "18.bias"}) {
    CHECK_MESSAGE(std::ranges::find(names, name) != names.end(), name);
  }
  CHECK(names.size() == 4 + 4 * 5 + 4);  // 4 convs, 4 BatchNorms (5 entries), 2 linears
  Variable x(zeros({2, 1, 28, 28}));
  model->eval();
  const auto exits = model->forward_exits(x);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].value().shape() == Shape{2, 10});
  CHECK(max_abs_diff((*model)(x).value(), exits[0].value()) == 0.0);
}

// Checkpoints: N steps equal N/2 steps + save + load + N/2 steps bit for bit
// (weights, BatchNorm statistics, momentum buffers, random streams), and
// damaged or mismatched checkpoints give errors naming the file and the problem.
#include "nn/checkpoint.h"

#include <filesystem>
#include <fstream>

#include "autograd/functions.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/optim/schedule.h"
#include "nn/relu.h"
#include "nn/sequential.h"
#include "tensor/device.h"
#include "tests/test_util.h"

using namespace chase;
namespace fs = std::filesystem;

namespace {

std::string temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / "chase_test_checkpoint" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A small network with every kind of state: conv and linear weights, BatchNorm
// running statistics, and a dropout stream.
struct Run {
  std::shared_ptr<Generator> dropout_rng = std::make_shared<Generator>(11);
  Generator data_rng{12};
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Sgd> sgd;
  TrainingState state;
  CosineSchedule schedule{0.2, /*total_steps=*/6, /*warmup_steps=*/2};

  explicit Run(std::uint64_t init_seed) {
    Generator init(init_seed);
    model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Conv2d>(1, 3, Pair{3, 3}, init, Conv2dOptions{.padding = {1, 1}}),
        std::make_shared<BatchNorm2d>(3), std::make_shared<ReLU>(),
        std::make_shared<Dropout>(0.25, dropout_rng), std::make_shared<Flatten>(),
        std::make_shared<Linear>(3 * 4 * 4, 4, init)});
    sgd = std::make_unique<Sgd>(model->named_parameters(),
                                SgdOptions{.momentum = 0.9, .weight_decay = 1e-3, .nesterov = true},
                                decay_only_weights);
  }

  // One step on a batch drawn from the data stream, at the schedule's rate.
  void step() {
    Tensor x = uniform({5, 1, 4, 4}, -1.0, 1.0, data_rng);
    std::vector<double> labels;
    for (double u : uniform({5}, 0.0, 4.0, data_rng).to_vector()) labels.push_back(std::floor(u));
    sgd->set_lr(schedule.at(state.step));
    sgd->zero_grad();
    cross_entropy(model->forward(Variable(x)), Tensor::from_vector(labels, {5}, DType::i64),
                  {.label_smoothing = 0.1})
        .backward();
    sgd->step();
    ++state.step;
  }

  void save(const std::string& dir) {
    state.rng = {{"data", data_rng}, {"dropout", *dropout_rng}};
    save_checkpoint(dir, *model, *sgd, state);
  }

  void load(const std::string& dir) {
    state = load_checkpoint(dir, *model, *sgd);
    data_rng = state.rng.at("data");
    *dropout_rng = state.rng.at("dropout");
  }
};

void check_identical(const TensorMap& a, const TensorMap& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    INFO(name);
    REQUIRE(b.contains(name));
    CHECK(t.to_vector() == b.at(name).to_vector());
  }
}

void check_on(const TensorMap& tensors, Device device) {
  for (const auto& [name, t] : tensors) {
    INFO(name);
    CHECK(t.device() == device);
  }
}

// Saves a CPU run after two steps and loads it into a fresh run moved to
// `device`: the weights and buffers land on `device` with the saved values.
void check_loads_onto(Device device) {
  auto dir = temp_dir("device_" + device.str());
  Run saved(5);
  saved.step();
  saved.step();
  saved.save(dir);
  Run loaded(6);
  loaded.model->to(device);
  loaded.load(dir);
  check_on(loaded.model->state_dict(), device);
  check_on(loaded.sgd->momentum_buffers(), device);
  check_identical(loaded.model->state_dict(), saved.model->state_dict());
  check_identical(loaded.sgd->momentum_buffers(), saved.sgd->momentum_buffers());
}

}  // namespace

TEST_CASE("resuming from a checkpoint continues bit-identically") {
  const int steps = 6;
  Run uninterrupted(1);
  for (int i = 0; i < steps; ++i) uninterrupted.step();

  auto dir = temp_dir("resume");
  {
    Run first_half(1);
    for (int i = 0; i < steps / 2; ++i) first_half.step();
    first_half.state.epoch = 1;
    first_half.save(dir);
  }
  Run resumed(/*init_seed=*/2);  // different initial weights: all must come from the files
  resumed.load(dir);
  CHECK(resumed.state.step == steps / 2);
  CHECK(resumed.state.epoch == 1);
  for (int i = 0; i < steps / 2; ++i) resumed.step();

  check_identical(resumed.model->state_dict(), uninterrupted.model->state_dict());
  check_identical(resumed.sgd->momentum_buffers(), uninterrupted.sgd->momentum_buffers());
  CHECK(resumed.data_rng.offset() == uninterrupted.data_rng.offset());
  CHECK(resumed.dropout_rng->offset() == uninterrupted.dropout_rng->offset());
  // The check can fail: a run that skipped the load ends elsewhere.
  Run not_resumed(2);
  for (int i = 0; i < steps / 2; ++i) not_resumed.step();
  CHECK(not_resumed.model->state_dict().at("5.weight").to_vector() !=
        uninterrupted.model->state_dict().at("5.weight").to_vector());
}

TEST_CASE("a checkpoint loads onto the model's device") { check_loads_onto(Device::cpu()); }

#ifdef CHASE_WITH_CUDA
TEST_CASE("a CPU checkpoint loads onto the GPU" * doctest::skip(cuda_device_count() == 0)) {
  check_loads_onto(Device::cuda());
}
#endif

TEST_CASE("model weights round-trip through save_model and load_model") {
  auto dir = temp_dir("model");
  Run a(3), b(4);
  a.step();
  save_model(dir + "/w.safetensors", *a.model, {{"note", "x"}});
  load_model(dir + "/w.safetensors", *b.model);
  check_identical(b.model->state_dict(), a.model->state_dict());
}

TEST_CASE("damaged or mismatched checkpoints give errors naming the file and the problem") {
  auto dir = temp_dir("damaged");
  Run run(5);
  run.step();
  run.save(dir);
  const auto model_file = dir + "/model.safetensors";
  const auto state_file = dir + "/training_state.safetensors";

  SUBCASE("truncated weights") {
    auto size = fs::file_size(model_file);
    fs::resize_file(model_file, size - 16);
    CHECK_THROWS_WITH_AS(run.load(dir), doctest::Contains("truncated"), Error);
  }
  SUBCASE("missing training state") {
    fs::remove(state_file);
    CHECK_THROWS_WITH_AS(run.load(dir), doctest::Contains("training_state.safetensors"), Error);
  }
  SUBCASE("files from two different saves") {
    auto other = temp_dir("damaged_other");
    run.step();
    run.save(other);
    fs::copy_file(other + "/model.safetensors", model_file, fs::copy_options::overwrite_existing);
    CHECK_THROWS_WITH_AS(run.load(dir),
                         doctest::Contains(("is at step 2 but " + state_file + " is at step 1").c_str()),
                         Error);
  }
  SUBCASE("weights of another architecture") {
    Generator gen(0);
    Sequential other({std::make_shared<Linear>(3, 2, gen)});
    CHECK_THROWS_WITH_AS(load_model(model_file, other),
                         doctest::Contains(("load_model: " + model_file +
                                            ": Sequential::load_state_dict:")
                                               .c_str()),
                         Error);
    CHECK_THROWS_WITH_AS(load_model(model_file, other),
                         doctest::Contains("\"0.weight\": expected f32 [2, 3], got f32 [3, 1, 3, 3]"),
                         Error);
  }
  SUBCASE("an optimizer over other parameters") {
    Generator gen(0);
    Linear layer(3, 2, gen);
    Sgd sgd(layer.named_parameters(), {.momentum = 0.9});
    CHECK_THROWS_WITH_AS(load_training_state(state_file, sgd),
                         doctest::Contains("unexpected \"0.weight\""), Error);
  }
  SUBCASE("a training state with bad metadata") {
    save_safetensors(state_file, {}, {{"format", "chase-training-state-1"}, {"epoch", "-3"},
                                      {"step", "1"}});
    CHECK_THROWS_WITH_AS(load_training_state(state_file, *run.sgd),
                         doctest::Contains("metadata \"epoch\" must be a non-negative integer, got "
                                           "\"-3\""),
                         Error);
    save_safetensors(state_file, {}, {{"format", "chase-training-state-1"}, {"epoch", "0"},
                                      {"step", "1"}, {"rng.data", "12"}});
    CHECK_THROWS_WITH_AS(load_training_state(state_file, *run.sgd),
                         doctest::Contains("\"rng.data\" must be \"<seed> <offset>\""), Error);
  }
  SUBCASE("a model file given as training state") {
    CHECK_THROWS_WITH_AS(load_training_state(model_file, *run.sgd),
                         doctest::Contains((model_file + ": metadata \"format\" is missing").c_str()), Error);
  }
}

#include "nn/checkpoint.h"

#include <charconv>
#include <filesystem>

namespace chase {
namespace {

constexpr const char* kMomentumPrefix = "momentum_buffer.";
constexpr const char* kRngPrefix = "rng.";
constexpr const char* kTrainingStateFormat = "chase-training-state-1";

// The whole of `text` as an unsigned integer, or an error naming the file and key.
std::uint64_t parse_unsigned(const std::string& text, const std::string& path,
                             const std::string& key) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  CHASE_CHECK(error == std::errc() && end == text.data() + text.size() && !text.empty(),
              "load_training_state: {}: metadata \"{}\" must be a non-negative integer, got \"{}\"",
              path, key, text);
  return value;
}

const std::string& required(const Metadata& metadata, const std::string& key,
                            const std::string& path, const char* op) {
  auto found = metadata.find(key);
  CHASE_CHECK(found != metadata.end(), "{}: {}: metadata \"{}\" is missing", op, path, key);
  return found->second;
}

// Runs `load`, prefixing its error with the op and the file.
template <class Load>
void with_file_context(const char* op, const std::string& path, Load&& load) {
  try {
    load();
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}: {}", op, path, e.what()));
  }
}

std::string model_path(const std::string& directory) { return directory + "/model.safetensors"; }
std::string state_path(const std::string& directory) {
  return directory + "/training_state.safetensors";
}

// A training-state file, parsed and checked but not yet applied.
struct TrainingStateFile {
  TrainingState state;
  TensorMap momentum_buffers;  // by parameter name
};

TrainingStateFile read_training_state(const std::string& path) {
  const char* op = "load_training_state";
  auto file = load_safetensors(path);
  const auto& format = required(file.metadata, "format", path, op);
  CHASE_CHECK(format == kTrainingStateFormat, "{}: {}: format must be \"{}\", got \"{}\"", op,
              path, kTrainingStateFormat, format);

  TrainingStateFile result;
  auto& state = result.state;
  state.epoch = static_cast<std::int64_t>(
      parse_unsigned(required(file.metadata, "epoch", path, op), path, "epoch"));
  state.step = static_cast<std::int64_t>(
      parse_unsigned(required(file.metadata, "step", path, op), path, "step"));
  for (const auto& [key, value] : file.metadata) {
    if (!key.starts_with(kRngPrefix)) continue;
    auto space = value.find(' ');
    CHASE_CHECK(space != std::string::npos,
                "{}: {}: metadata \"{}\" must be \"<seed> <offset>\", got \"{}\"", op, path, key,
                value);
    Generator gen;
    gen.set_state(parse_unsigned(value.substr(0, space), path, key),
                  parse_unsigned(value.substr(space + 1), path, key));
    state.rng.emplace(key.substr(std::string(kRngPrefix).size()), gen);
  }
  for (const auto& [name, tensor] : file.tensors) {
    CHASE_CHECK(name.starts_with(kMomentumPrefix),
                "{}: {}: unexpected tensor \"{}\" (only \"{}<parameter>\" entries belong here)",
                op, path, name, kMomentumPrefix);
    result.momentum_buffers.emplace(name.substr(std::string(kMomentumPrefix).size()), tensor);
  }
  return result;
}

}  // namespace

void save_model(const std::string& path, const Module& model, const Metadata& metadata) {
  save_safetensors(path, model.state_dict(), metadata);
}

void load_model(const std::string& path, Module& model, bool strict) {
  auto file = load_safetensors(path);
  with_file_context("load_model", path, [&] { model.load_state_dict(file.tensors, strict); });
}

void save_training_state(const std::string& path, const Sgd& optimizer,
                         const TrainingState& state) {
  CHASE_CHECK(state.epoch >= 0 && state.step >= 0,
              "save_training_state: epoch and step must be non-negative, got {} and {}",
              state.epoch, state.step);
  TensorMap tensors;
  for (const auto& [name, buffer] : optimizer.momentum_buffers()) {
    tensors.emplace(kMomentumPrefix + name, buffer);
  }
  Metadata metadata{{"format", kTrainingStateFormat},
                    {"epoch", std::to_string(state.epoch)},
                    {"step", std::to_string(state.step)}};
  for (const auto& [name, gen] : state.rng) {
    CHASE_CHECK(!name.empty() && name.find(' ') == std::string::npos,
                "save_training_state: random stream names must be non-empty without spaces, "
                "got \"{}\"",
                name);
    metadata.emplace(kRngPrefix + name, fmt::format("{} {}", gen.seed(), gen.offset()));
  }
  save_safetensors(path, tensors, metadata);
}

TrainingState load_training_state(const std::string& path, Sgd& optimizer) {
  auto file = read_training_state(path);
  with_file_context("load_training_state", path,
                    [&] { optimizer.load_momentum_buffers(file.momentum_buffers); });
  return file.state;
}

void save_checkpoint(const std::string& directory, const Module& model, const Sgd& optimizer,
                     const TrainingState& state) {
  std::filesystem::create_directories(directory);
  save_training_state(state_path(directory), optimizer, state);
  save_model(model_path(directory), model, {{"step", std::to_string(state.step)}});
}

TrainingState load_checkpoint(const std::string& directory, Module& model, Sgd& optimizer) {
  const auto weights = model_path(directory), training = state_path(directory);
  auto model_file = load_safetensors(weights);
  auto state_file = read_training_state(training);
  const auto& model_step = required(model_file.metadata, "step", weights, "load_checkpoint");
  CHASE_CHECK(model_step == std::to_string(state_file.state.step),
              "load_checkpoint: {} is at step {} but {} is at step {}: the pair comes from two "
              "different saves (interrupted checkpoint?)",
              weights, model_step, training, state_file.state.step);
  // Each load checks everything before it changes anything. The model goes
  // first: once its weights match the checkpoint, the optimizer's buffers can
  // only fail for an optimizer built over other parameters than the model's.
  with_file_context("load_model", weights,
                    [&] { model.load_state_dict(model_file.tensors, /*strict=*/true); });
  with_file_context("load_training_state", training,
                    [&] { optimizer.load_momentum_buffers(state_file.momentum_buffers); });
  return state_file.state;
}

}  // namespace chase

#include "chase/train/run_checkpoint.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tensor/error.h"

namespace chase::train {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kCheckpointsFolder = "checkpoints";
constexpr const char* kLatestFile = "latest";
constexpr const char* kRunFile = "run.json";

void write_text_atomically(const fs::path& path, const std::string& text) {
  auto staged = path;
  staged += ".tmp";
  {
    std::ofstream file(staged, std::ios::trunc);
    file << text;
    file.flush();
    CHASE_CHECK(file.good(), "save_run_checkpoint: cannot write {}", staged.string());
  }
  fs::rename(staged, path);
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  CHASE_CHECK(file.good(), "load_run_checkpoint: cannot read {}", path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// "--lr 0.1 (the checkpoint has 0.05)" for every recipe option that differs,
// including those only one side has.
std::vector<std::string> recipe_differences(const Json& saved, const Json& wanted) {
  std::vector<std::string> differences;
  for (const auto& [name, value] : wanted.items()) {
    if (!saved.contains(name)) {
      differences.push_back(fmt::format("--{} {} (the checkpoint has none)", name, value.dump()));
    } else if (saved[name] != value) {
      differences.push_back(
          fmt::format("--{} {} (the checkpoint has {})", name, value.dump(), saved[name].dump()));
    }
  }
  for (const auto& [name, value] : saved.items()) {
    if (!wanted.contains(name)) {
      differences.push_back(fmt::format("no --{} (the checkpoint has {})", name, value.dump()));
    }
  }
  return differences;
}

}  // namespace

bool has_run_checkpoint(const fs::path& out_dir) {
  return fs::exists(out_dir / kCheckpointsFolder / kLatestFile);
}

void save_run_checkpoint(const fs::path& out_dir, const Module& model, const Sgd& optimizer,
                         const TrainingState& state, const RunRecipe& recipe,
                         const std::vector<EpochMetrics>& history) {
  const auto root = out_dir / kCheckpointsFolder;
  const auto name = fmt::format("epoch-{:04}", state.epoch);
  const auto folder = root / name;
  fs::create_directories(folder);
  save_checkpoint(folder.string(), model, optimizer, state);

  Json metrics = Json::array();
  for (const auto& epoch : history) metrics.push_back(Json::parse(to_json_line(epoch)));
  write_text_atomically(folder / kRunFile,
                        Json{{"recipe", recipe}, {"metrics", metrics}}.dump(2) + "\n");
  write_text_atomically(root / kLatestFile, name + "\n");

  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory() && entry.path().filename() != name) fs::remove_all(entry.path());
  }
}

ResumedRun load_run_checkpoint(const fs::path& out_dir, const RunRecipe& recipe, Module& model,
                               Sgd& optimizer) {
  const auto root = out_dir / kCheckpointsFolder;
  CHASE_CHECK(fs::exists(root / kLatestFile),
              "load_run_checkpoint: {} holds no checkpoint (expected {})", out_dir.string(),
              (root / kLatestFile).string());
  std::string name = read_text(root / kLatestFile);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  const auto folder = root / name;
  const auto run_path = folder / kRunFile;

  auto run = Json::parse(read_text(run_path), nullptr, /*allow_exceptions=*/false);
  CHASE_CHECK(run.is_object() && run.contains("recipe") && run["recipe"].is_object() &&
                  run.contains("metrics") && run["metrics"].is_array(),
              "load_run_checkpoint: {} is not a run record (expected a JSON object with "
              "'recipe' and 'metrics')",
              run_path.string());
  auto differences = recipe_differences(run["recipe"], recipe);
  CHASE_CHECK(differences.empty(),
              "--resume: the command line differs from the run in {}: {}; resume with the "
              "run's options or start a new run in another --out",
              out_dir.string(), fmt::join(differences, ", "));

  ResumedRun resumed;
  resumed.state = load_checkpoint(folder.string(), model, optimizer);
  for (const auto& epoch : run["metrics"]) resumed.history.push_back(from_json_line(epoch.dump()));
  CHASE_CHECK(std::ssize(resumed.history) == resumed.state.epoch,
              "load_run_checkpoint: {} records {} epochs of metrics, the training state {} epochs",
              run_path.string(), resumed.history.size(), resumed.state.epoch);
  return resumed;
}

}  // namespace chase::train

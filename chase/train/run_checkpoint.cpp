#include "chase/train/run_checkpoint.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "chase/train/text_file.h"
#include "tensor/error.h"

namespace chase::train {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kCheckpointsFolder = "checkpoints";
constexpr const char* kLatestFile = "latest";
constexpr const char* kRunFile = "run.json";

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
  write_text_file(folder / kRunFile,
                        Json{{"recipe", recipe}, {"metrics", metrics}}.dump(2) + "\n");
  write_text_file(root / kLatestFile, name + "\n");

  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory() && entry.path().filename() != name) fs::remove_all(entry.path());
  }
}

RunRecord latest_run_record(const fs::path& out_dir) {
  const auto root = out_dir / kCheckpointsFolder;
  CHASE_CHECK(fs::exists(root / kLatestFile), "{} holds no training run (expected {})",
              out_dir.string(), (root / kLatestFile).string());
  std::string name = read_text_file(root / kLatestFile);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  RunRecord record;
  record.folder = root / name;
  const auto run_path = record.folder / kRunFile;
  auto run = Json::parse(read_text_file(run_path), nullptr, /*allow_exceptions=*/false);
  CHASE_CHECK(run.is_object() && run.contains("recipe") && run["recipe"].is_object() &&
                  run.contains("metrics") && run["metrics"].is_array(),
              "{} is not a run record (expected a JSON object with 'recipe' and 'metrics')",
              run_path.string());
  record.recipe = run["recipe"];
  for (const auto& epoch : run["metrics"]) record.history.push_back(from_json_line(epoch.dump()));
  return record;
}

ResumedRun load_run_checkpoint(const fs::path& out_dir, const RunRecipe& recipe, Module& model,
                               Sgd& optimizer) {
  auto run = latest_run_record(out_dir);
  auto differences = recipe_differences(run.recipe, recipe);
  CHASE_CHECK(differences.empty(),
              "--resume: the command line differs from the run in {}: {}; resume with the "
              "run's options or start a new run in another --out",
              out_dir.string(), fmt::join(differences, ", "));

  ResumedRun resumed;
  resumed.state = load_checkpoint(run.folder.string(), model, optimizer);
  resumed.history = std::move(run.history);
  CHASE_CHECK(std::ssize(resumed.history) == resumed.state.epoch,
              "load_run_checkpoint: {} records {} epochs of metrics, the training state {} epochs",
              (run.folder / kRunFile).string(), resumed.history.size(), resumed.state.epoch);
  return resumed;
}

}  // namespace chase::train

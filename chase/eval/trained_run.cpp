#include "chase/eval/trained_run.h"

#include <fmt/format.h>

#include <chrono>

#include "chase/models/registry.h"
#include "chase/train/validation_split.h"
#include "nn/checkpoint.h"
#include "tensor/error.h"

namespace chase::eval {

namespace fs = std::filesystem;

namespace {

std::string recipe_text(const train::RunRecipe& recipe, const char* key, const fs::path& run) {
  CHASE_CHECK(recipe.contains(key) && recipe[key].is_string(),
              "{}: the run's recipe has no '{}'", run.string(), key);
  return recipe[key].get<std::string>();
}

std::string key_of(const fs::path& file) {
  const auto ticks = fs::last_write_time(file).time_since_epoch().count();
  return fmt::format("{} {} {}", fs::absolute(file).lexically_normal().string(),
                     fs::file_size(file), ticks);
}

// The run's latest record, read once by either entry point.
train::RunRecord run_record(const TrainedRunOptions& options) {
  CHASE_CHECK(fs::is_directory(options.run_dir), "run {}: no such folder",
              options.run_dir.string());
  return train::latest_run_record(options.run_dir);
}

TrainedRun open_run(const TrainedRunOptions& options, const train::RunRecord& record,
                    train::DatasetRecipe data) {
  TrainedRun run;
  run.run_dir = options.run_dir;
  run.recipe = record.recipe;
  run.model_name = recipe_text(run.recipe, "model", options.run_dir);
  run.dataset = recipe_text(run.recipe, "dataset", options.run_dir);
  run.checkpoint =
      options.checkpoint.empty() ? record.folder / "model.safetensors" : options.checkpoint;
  CHASE_CHECK(fs::is_regular_file(run.checkpoint), "checkpoint {}: no such file",
              run.checkpoint.string());
  run.checkpoint_key = key_of(run.checkpoint);
  run.device = train::training_device(options.device);

  run.data = std::move(data);
  if (fs::exists(options.run_dir / train::kValidationIndicesFile)) {
    auto split = train::load_validation_record(options.run_dir);
    CHASE_CHECK(split.dataset == run.dataset && split.training_images == run.data.train->size(),
                "{}: the validation split was drawn from {} images of {}, but the data loaded "
                "now has {} training images of {}; is --data the run's dataset?",
                (options.run_dir / train::kValidationIndicesFile).string(),
                split.training_images, split.dataset, run.data.train->size(), run.dataset);
    run.validation = std::make_shared<data::SubsetDataset>(
        run.data.train, split.indices,
        fmt::format("{} validation ({} images)", run.data.train->name(), split.indices.size()));
  }

  Generator init(0), dropout(0);  // the weights come from the checkpoint
  run.model = make_model(run.model_name, run.data.train->image_shape(),
                         run.data.train->num_classes(), init,
                         std::make_shared<Generator>(dropout));
  run.model->to(run.device);
  try {
    load_model(run.checkpoint.string(), *run.model);
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint {} does not hold the weights of the run's model {}: {}",
                            run.checkpoint.string(), run.model_name, e.what()));
  }
  run.model->eval();
  return run;
}

}  // namespace

TrainedRun open_trained_run(const TrainedRunOptions& options) {
  const auto record = run_record(options);
  return open_run(options, record,
                  train::load_dataset_recipe(recipe_text(record.recipe, "dataset", options.run_dir),
                                             options.data_dir));
}

TrainedRun open_trained_run(const TrainedRunOptions& options, train::DatasetRecipe data) {
  return open_run(options, run_record(options), std::move(data));
}

}  // namespace chase::eval

#include "chase/eval/run_softmax.h"

#include <fmt/format.h>

#include "tensor/error.h"

namespace chase::eval {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kBatchSize = 500;  // no gradients: larger batches than training

// FNV-1a, 64 bits: a stable file name for a key (not a security digest).
std::string digest(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", hash);
}

ExitSoftmax compute(TrainedRun& run, std::shared_ptr<const data::Dataset> images, int workers) {
  data::DataLoader loader(std::move(images),
                          {.batch_size = kBatchSize, .shuffle = false, .num_workers = workers},
                          run.data.test_transforms);
  train::BatchUploader uploader(run.device);
  return exit_softmax(*run.model, loader, uploader);
}

}  // namespace

RunSoftmax run_softmax(TrainedRun& run, int workers) {
  RunSoftmax out;
  out.cache = run.run_dir / "eval" / fmt::format("softmax-{}.safetensors", digest(run.checkpoint_key));
  if (fs::exists(out.cache)) {
    auto file = load_safetensors(out.cache.string());
    const auto key = file.metadata.find("checkpoint");
    if (key != file.metadata.end() && key->second == run.checkpoint_key) {
      const auto what = out.cache.string();
      out.test = read_exit_softmax(file.tensors, "test.", what);
      if (file.tensors.contains("validation.probabilities")) {
        out.validation = read_exit_softmax(file.tensors, "validation.", what);
      }
      CHASE_CHECK(out.test.exit_count() == run.model->exit_count() &&
                      out.test.image_count() == run.data.test->size(),
                  "{}: cached for {} exits and {} test images, the run has {} and {}; delete it",
                  what, out.test.exit_count(), out.test.image_count(), run.model->exit_count(),
                  run.data.test->size());
      out.from_cache = true;
      return out;
    }
  }
  out.test = compute(run, run.data.test, workers);
  if (run.validation) out.validation = compute(run, run.validation, workers);
  TensorMap tensors;
  add_exit_softmax(tensors, "test.", out.test);
  if (out.validation) add_exit_softmax(tensors, "validation.", *out.validation);
  fs::create_directories(out.cache.parent_path());
  save_safetensors(out.cache.string(), tensors,
                   {{"checkpoint", run.checkpoint_key}, {"model", run.model_name}});
  return out;
}

const ExitSoftmax& validation_for_thresholds(const RunSoftmax& softmax, const TrainedRun& run) {
  CHASE_CHECK(softmax.validation.has_value(),
              "budgeted evaluation needs the run's validation hold-out, and {} held out none: "
              "exit thresholds are fitted on validation images, never on the test set. Train "
              "with --val-size N (for example: chase train --model {} --val-size 5000 ...)",
              run.run_dir.string(), run.model_name);
  return *softmax.validation;
}

}  // namespace chase::eval

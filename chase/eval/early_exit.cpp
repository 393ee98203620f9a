#include "chase/eval/early_exit.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "chase/flops/flops_counter.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace chase::eval {

namespace {

void append(EarlyExitResult& into, const EarlyExitResult& batch) {
  into.predicted.insert(into.predicted.end(), batch.predicted.begin(), batch.predicted.end());
  into.exit_taken.insert(into.exit_taken.end(), batch.exit_taken.begin(), batch.exit_taken.end());
  into.confidence.insert(into.confidence.end(), batch.confidence.begin(), batch.confidence.end());
  into.stage_images.resize(batch.stage_images.size(), 0);
  for (std::size_t k = 0; k < batch.stage_images.size(); ++k) {
    into.stage_images[k] += batch.stage_images[k];
  }
  into.executed_macs += batch.executed_macs;
  into.seconds += batch.seconds;
}

// Restores the model's training mode however the pass ends.
class EvalScope {
 public:
  explicit EvalScope(MultiExitModel& model) : model_(model), was_training_(model.is_training()) {
    model.eval();
  }
  ~EvalScope() { model_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  MultiExitModel& model_;
  bool was_training_;
};

}  // namespace

EarlyExitResult predict_early_exit(MultiExitModel& model, const Tensor& images,
                                   std::span<const float> thresholds, bool measure_macs) {
  const auto exits = static_cast<std::size_t>(model.exit_count());
  CHASE_CHECK(thresholds.size() == exits, "predict: {} thresholds for a model of {} exits",
              thresholds.size(), exits);
  CHASE_CHECK(images.dim() == 4 && images.size(0) > 0,
              "predict: expected images [N, C, H, W] with N > 0, got {}", to_string(images.shape()));
  EvalScope eval_mode(model);
  NoGradGuard no_grad;
  const auto n = static_cast<std::size_t>(images.size(0));
  EarlyExitResult out;
  out.predicted.assign(n, -1);
  out.exit_taken.assign(n, -1);
  out.confidence.assign(n, 0.0f);
  out.stage_images.assign(exits, 0);

  const FlopsRules rules = FlopsRules::defaults();
  std::optional<PricedCallObserver> meter;
  std::optional<ModuleCallObserverScope> metering;
  if (measure_macs) {
    meter.emplace(
        rules, [&](const PricedCall& call) { out.executed_macs += call.macs; },
        [](const Module& module) { return module.type_name(); });
    metering.emplace(*meter);
  }

  const auto started = std::chrono::steady_clock::now();
  auto stages = model.exit_stages(Variable(images));
  std::vector<std::int64_t> alive(n);  // batch positions of the images still running
  for (std::size_t i = 0; i < n; ++i) alive[i] = static_cast<std::int64_t>(i);
  for (std::size_t k = 0; k < exits && !alive.empty(); ++k) {
    const Tensor logits = stages->next().value();
    CHASE_CHECK(logits.dim() == 2 && logits.size(0) == std::ssize(alive),
                "predict: exit {} of {} gave logits {} for {} images", k + 1, model.type_name(),
                to_string(logits.shape()), alive.size());
    out.stage_images[k] += std::ssize(alive);
    const auto classes = static_cast<std::size_t>(logits.size(1));
    const auto probabilities = softmax(logits, 1).to_vector();
    std::vector<std::int64_t> staying;
    std::vector<double> staying_rows;
    for (std::size_t row = 0; row < alive.size(); ++row) {
      // As exit_predictions: f32 probabilities, the first of equal largest ones.
      std::size_t best = 0;
      float confidence = static_cast<float>(probabilities[row * classes]);
      for (std::size_t c = 1; c < classes; ++c) {
        const auto p = static_cast<float>(probabilities[row * classes + c]);
        if (p > confidence) best = c, confidence = p;
      }
      CHASE_CHECK(!std::isnan(confidence), "predict: exit {} of {} gives non-finite outputs",
                  k + 1, model.type_name());
      if (k + 1 == exits || confidence >= thresholds[k]) {
        const auto image = static_cast<std::size_t>(alive[row]);
        out.predicted[image] = static_cast<std::int64_t>(best);
        out.exit_taken[image] = static_cast<std::int64_t>(k);
        out.confidence[image] = confidence;
      } else {
        staying.push_back(alive[row]);
        staying_rows.push_back(static_cast<double>(row));
      }
    }
    if (!staying.empty() && staying.size() < alive.size()) {
      stages->keep(Tensor::from_vector(staying_rows, {std::ssize(staying_rows)}, DType::i64,
                                       images.device()));
    }
    alive = std::move(staying);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

EarlyExitResult predict_early_exit(MultiExitModel& model, const data::DataLoader& loader,
                                   train::BatchUploader& uploader,
                                   std::span<const float> thresholds, bool measure_macs) {
  EarlyExitResult out;
  auto epoch = loader.epoch(0);
  while (auto host_batch = epoch.next()) {
    const auto batch = uploader.upload(*host_batch);
    append(out, predict_early_exit(model, batch.images, thresholds, measure_macs));
  }
  CHASE_CHECK(!out.predicted.empty(), "predict: the loader over {} delivered no images",
              loader.dataset().name());
  return out;
}

}  // namespace chase::eval

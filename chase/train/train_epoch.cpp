#include "chase/train/train_epoch.h"

#include <cmath>

#include "chase/train/evaluate.h"

namespace chase::train {

EpochResult train_epoch(MultiExitModel& model, const LossFunction& loss_function, Sgd& optimizer,
                        const LrSchedule& schedule, const data::DataLoader& loader,
                        BatchUploader& uploader, const EpochPlan& plan,
                        const ProgressSink& progress_sink) {
  model.train();
  const auto steps_per_epoch = loader.num_batches();
  EpochProgress progress(plan.epoch, plan.epochs, steps_per_epoch, loader.dataset().size());
  EpochResult result;
  std::vector<std::int64_t> correct;
  // The loader's epochs count from 0, the user's from 1.
  auto batches = loader.epoch(static_cast<std::uint64_t>(plan.epoch - 1));
  while (auto host_batch = batches.next()) {
    const auto batch = uploader.upload(*host_batch);
    const auto step = plan.first_step + progress.steps();
    result.last_lr = schedule.at(step);
    optimizer.set_lr(result.last_lr);

    const auto exit_logits = model.forward_exits(Variable(batch.images));
    Variable loss = loss_function(exit_logits, batch.labels);
    const double loss_value = loss.value().item();
    // NaN's sign is meaningless; "-nan" would only confuse.
    CHASE_CHECK(std::isfinite(loss_value),
                "the loss is {} at epoch {} step {}/{} (global step {}, lr {:.4g}); training "
                "stopped before this step changed the weights. Try a lower --lr.",
                std::isnan(loss_value) ? "nan" : fmt::format("{}", loss_value), plan.epoch,
                progress.steps() + 1, steps_per_epoch, step, result.last_lr);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();

    correct.clear();
    for (const auto& logits : exit_logits) {
      correct.push_back(count_correct(logits.value(), batch.labels));
    }
    progress.add_step(batch.labels.numel(), loss_value, correct);
    if (progress.steps() % plan.log_every == 0 || progress.steps() == steps_per_epoch) {
      progress_sink(progress.line());
    }
  }
  result.steps = progress.steps();
  result.loss = progress.mean_loss();
  result.accuracy = progress.accuracy();
  for (std::int64_t k = 0; k < progress.exit_count(); ++k) {
    result.exit_accuracy.push_back(progress.exit_accuracy(k));
  }
  result.seconds = progress.seconds();
  result.images_per_s = progress.images_per_second();
  result.data_wait_fraction =
      result.seconds > 0.0 ? batches.stats().consumer_wait_seconds / result.seconds : 0.0;
  return result;
}

}  // namespace chase::train

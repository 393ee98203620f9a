#include "examples/train_epoch.h"

#include <cmath>

#include "autograd/functions.h"
#include "examples/evaluate.h"

namespace chase::train {

EpochResult train_epoch(Module& model, Sgd& optimizer, const LrSchedule& schedule,
                        const data::DataLoader& loader, BatchUploader& uploader,
                        const EpochPlan& plan, const ProgressSink& progress_sink) {
  model.train();
  const auto steps_per_epoch = loader.num_batches();
  EpochProgress progress(plan.epoch, plan.epochs, steps_per_epoch, loader.dataset().size());
  EpochResult result;
  // The loader's epochs count from 0, the user's from 1.
  auto batches = loader.epoch(static_cast<std::uint64_t>(plan.epoch - 1));
  while (auto host_batch = batches.next()) {
    const auto batch = uploader.upload(*host_batch);
    const auto step = plan.first_step + progress.steps();
    result.last_lr = schedule.at(step);
    optimizer.set_lr(result.last_lr);

    Variable logits = model(Variable(batch.images));
    Variable loss = cross_entropy(logits, batch.labels);
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

    progress.add_step(batch.labels.numel(), loss_value,
                      count_correct(logits.value(), batch.labels));
    if (progress.steps() % plan.log_every == 0 || progress.steps() == steps_per_epoch) {
      progress_sink(progress.line());
    }
  }
  result.steps = progress.steps();
  result.loss = progress.mean_loss();
  result.accuracy = progress.accuracy();
  result.seconds = progress.seconds();
  result.images_per_s = progress.images_per_second();
  result.data_wait_fraction =
      result.seconds > 0.0 ? batches.stats().consumer_wait_seconds / result.seconds : 0.0;
  return result;
}

}  // namespace chase::train

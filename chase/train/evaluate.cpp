#include "chase/train/evaluate.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace chase::train {
namespace {

void check_logits_and_labels(const Tensor& logits, const Tensor& labels, const char* op) {
  CHASE_CHECK(logits.dim() == 2 && labels.dim() == 1 && labels.size(0) == logits.size(0),
              "{}: expected logits [N, classes] and labels [N], got {} and {}", op,
              to_string(logits.shape()), to_string(labels.shape()));
}

}  // namespace

std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  check_logits_and_labels(logits, labels, "count_correct");
  auto predicted = argmax(logits, 1).to_vector();
  auto expected = labels.to_vector();
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == expected[i];
  return correct;
}

std::int64_t count_top_k(const Tensor& logits, const Tensor& labels, std::int64_t k) {
  check_logits_and_labels(logits, labels, "count_top_k");
  CHASE_CHECK(k >= 1, "count_top_k: k must be at least 1, got {}", k);
  const auto scores = logits.to_vector();
  const auto expected = labels.to_vector();
  const auto classes = logits.size(1);
  std::int64_t correct = 0;
  for (std::size_t n = 0; n < expected.size(); ++n) {
    const double* row = scores.data() + static_cast<std::int64_t>(n) * classes;
    const double target = row[static_cast<std::int64_t>(expected[n])];
    std::int64_t higher = 0;
    for (std::int64_t c = 0; c < classes; ++c) higher += row[c] > target;
    correct += higher < k;
  }
  return correct;
}

EvalResult evaluate(MultiExitModel& model, const data::DataLoader& loader,
                    BatchUploader& uploader) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  const auto exits = static_cast<std::size_t>(model.exit_count());
  const bool top5 = loader.dataset().num_classes() >= kTop5MinClasses;
  std::vector<double> loss_sum(exits, 0.0);
  std::vector<std::int64_t> correct(exits, 0), correct_top5(exits, 0);
  EvalResult result;
  auto epoch = loader.epoch(0);
  while (auto host_batch = epoch.next()) {
    const auto batch = uploader.upload(*host_batch);
    const auto logits = model.forward_exits(Variable(batch.images));
    CHASE_CHECK(logits.size() == exits, "evaluate: {} returned {} exits, its exit_count() is {}",
                model.type_name(), logits.size(), exits);
    const auto batch_size = batch.labels.numel();
    for (std::size_t k = 0; k < exits; ++k) {
      loss_sum[k] += cross_entropy(logits[k], batch.labels).value().item() *
                     static_cast<double>(batch_size);
      correct[k] += count_correct(logits[k].value(), batch.labels);
      if (top5) correct_top5[k] += count_top_k(logits[k].value(), batch.labels, 5);
    }
    result.images += batch_size;
  }
  model.train(was_training);
  CHASE_CHECK(result.images > 0, "evaluate: the loader over {} delivered no images",
              loader.dataset().name());
  const auto images = static_cast<double>(result.images);
  for (std::size_t k = 0; k < exits; ++k) {
    ExitEval exit{.loss = loss_sum[k] / images,
                  .top1 = static_cast<double>(correct[k]) / images,
                  .top5 = std::nullopt};
    if (top5) exit.top5 = static_cast<double>(correct_top5[k]) / images;
    result.exits.push_back(exit);
  }
  return result;
}

}  // namespace chase::train

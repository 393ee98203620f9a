#include "examples/evaluate.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace chase::train {

std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  CHASE_CHECK(logits.dim() == 2 && labels.dim() == 1 && labels.size(0) == logits.size(0),
              "count_correct: expected logits [N, classes] and labels [N], got {} and {}",
              to_string(logits.shape()), to_string(labels.shape()));
  auto predicted = argmax(logits, 1).to_vector();
  auto expected = labels.to_vector();
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == expected[i];
  return correct;
}

EvalResult evaluate(Module& model, const data::DataLoader& loader, BatchUploader& uploader) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult result;
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  auto epoch = loader.epoch(0);
  while (auto host_batch = epoch.next()) {
    const auto batch = uploader.upload(*host_batch);
    Variable logits = model(Variable(batch.images));
    auto batch_size = batch.labels.numel();
    loss_sum +=
        cross_entropy(logits, batch.labels).value().item() * static_cast<double>(batch_size);
    correct += count_correct(logits.value(), batch.labels);
    result.images += batch_size;
  }
  model.train(was_training);
  CHASE_CHECK(result.images > 0, "evaluate: the loader over {} delivered no images",
              loader.dataset().name());
  result.loss = loss_sum / static_cast<double>(result.images);
  result.accuracy = static_cast<double>(correct) / static_cast<double>(result.images);
  return result;
}

}  // namespace chase::train

#include "chase/eval/exit_softmax.h"

#include <cmath>
#include <fmt/format.h>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace chase::eval {

ExitSoftmax exit_softmax(MultiExitModel& model, const data::DataLoader& loader,
                         train::BatchUploader& uploader) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  ExitSoftmax out;
  out.classes = loader.dataset().num_classes();
  out.probabilities.resize(static_cast<std::size_t>(model.exit_count()));
  auto epoch = loader.epoch(0);
  while (auto host_batch = epoch.next()) {
    const auto batch = uploader.upload(*host_batch);
    const auto logits = model.forward_exits(Variable(batch.images));
    CHASE_CHECK(std::ssize(logits) == model.exit_count(),
                "exit softmax: {} returned {} exits, its exit_count() is {}", model.type_name(),
                logits.size(), model.exit_count());
    for (std::size_t k = 0; k < logits.size(); ++k) {
      CHASE_CHECK(logits[k].value().dim() == 2 && logits[k].value().size(1) == out.classes,
                  "exit softmax: exit {} gives logits of shape {}, expected [N, {}]", k + 1,
                  to_string(logits[k].value().shape()), out.classes);
      for (double p : softmax(logits[k].value(), 1).to_vector()) {
        CHASE_CHECK(std::isfinite(p), "exit softmax: exit {} of {} gives non-finite outputs on {}",
                    k + 1, model.type_name(), loader.dataset().name());
        out.probabilities[k].push_back(static_cast<float>(p));
      }
    }
    for (double label : batch.labels.to_vector()) {
      out.labels.push_back(static_cast<std::int64_t>(label));
    }
  }
  model.train(was_training);
  CHASE_CHECK(!out.labels.empty(), "exit softmax: the loader over {} delivered no images",
              loader.dataset().name());
  return out;
}

ExitPredictions exit_predictions(const ExitSoftmax& softmax) {
  ExitPredictions out;
  out.labels = softmax.labels;
  const auto classes = static_cast<std::size_t>(softmax.classes);
  for (const auto& probabilities : softmax.probabilities) {
    auto& confidence = out.confidence.emplace_back();
    auto& predicted = out.predicted.emplace_back();
    for (std::size_t row = 0; row < softmax.labels.size(); ++row) {
      const float* p = probabilities.data() + row * classes;
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c) best = p[c] > p[best] ? c : best;
      confidence.push_back(p[best]);
      predicted.push_back(static_cast<std::int64_t>(best));
    }
  }
  return out;
}

double top_k_accuracy(const ExitSoftmax& softmax, std::int64_t exit, std::int64_t k) {
  CHASE_CHECK(exit >= 0 && exit < softmax.exit_count(), "top-k accuracy: exit {} of {}",
              exit + 1, softmax.exit_count());
  CHASE_CHECK(!softmax.labels.empty(), "top-k accuracy: no images");
  const auto& probabilities = softmax.probabilities[static_cast<std::size_t>(exit)];
  const auto classes = static_cast<std::size_t>(softmax.classes);
  std::int64_t correct = 0;
  for (std::size_t row = 0; row < softmax.labels.size(); ++row) {
    const float* p = probabilities.data() + row * classes;
    const float target = p[static_cast<std::size_t>(softmax.labels[row])];
    std::int64_t higher = 0;
    for (std::size_t c = 0; c < classes; ++c) higher += p[c] > target;
    correct += higher < k;
  }
  return static_cast<double>(correct) / static_cast<double>(softmax.labels.size());
}

void add_exit_softmax(TensorMap& tensors, const std::string& prefix, const ExitSoftmax& softmax) {
  std::vector<double> values;
  for (const auto& exit : softmax.probabilities) values.insert(values.end(), exit.begin(), exit.end());
  std::vector<double> labels(softmax.labels.begin(), softmax.labels.end());
  tensors[prefix + "probabilities"] = Tensor::from_vector(
      values, {softmax.exit_count(), softmax.image_count(), softmax.classes}, DType::f32);
  tensors[prefix + "labels"] = Tensor::from_vector(labels, {softmax.image_count()}, DType::i64);
}

ExitSoftmax read_exit_softmax(const TensorMap& tensors, const std::string& prefix,
                              const std::string& what) {
  const auto probabilities = tensors.find(prefix + "probabilities");
  const auto labels = tensors.find(prefix + "labels");
  CHASE_CHECK(probabilities != tensors.end() && labels != tensors.end(),
              "{}: no tensors {}probabilities and {}labels", what, prefix, prefix);
  const auto& p = probabilities->second;
  const auto& l = labels->second;
  CHASE_CHECK(p.dim() == 3 && l.dim() == 1 && p.size(1) == l.size(0) && p.size(0) >= 1,
              "{}: {}probabilities {} and {}labels {} do not fit [exits, images, classes] and "
              "[images]",
              what, prefix, to_string(p.shape()), prefix, to_string(l.shape()));
  ExitSoftmax out;
  out.classes = p.size(2);
  const auto values = p.to_vector();
  const auto per_exit = static_cast<std::size_t>(p.size(1) * p.size(2));
  for (std::int64_t k = 0; k < p.size(0); ++k) {
    const auto begin = values.begin() + static_cast<std::ptrdiff_t>(per_exit * static_cast<std::size_t>(k));
    out.probabilities.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(per_exit));
  }
  for (double label : l.to_vector()) {
    CHASE_CHECK(label >= 0 && label < static_cast<double>(out.classes),
                "{}: label {} outside the {} classes", what, label, out.classes);
    out.labels.push_back(static_cast<std::int64_t>(label));
  }
  return out;
}

}  // namespace chase::eval

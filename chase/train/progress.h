// The progress of a training epoch: running loss and accuracy over the batches
// seen so far, throughput, and the line the trainer prints every few steps,
//   epoch 2/5  step 200/469  loss 0.3121  acc 88.72%  2310 img/s  ETA 3m41s
// A model with several exits shows its first and last exit's accuracy,
//   epoch 2/5  step 200/469  loss 1.2024  acc 71.05% (exit 1) 88.72% (exit 4)  ...
// The ETA assumes the rest of the run goes at this epoch's pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace chase::train {

// "45s", "3m41s", "1h02m": short enough for a progress line.
std::string format_duration(double seconds);

class EpochProgress {
 public:
  // Epoch `epoch` (1-based) of `epochs`; every epoch has the same steps and images.
  EpochProgress(std::int64_t epoch, std::int64_t epochs, std::int64_t steps_per_epoch,
                std::int64_t images_per_epoch);

  // One training step over `batch_size` images: the batch's mean loss and each
  // exit's correct predictions (one count per exit, in exit order).
  void add_step(std::int64_t batch_size, double mean_loss,
                std::span<const std::int64_t> correct_per_exit);
  // The one-exit case.
  void add_step(std::int64_t batch_size, double mean_loss, std::int64_t correct) {
    add_step(batch_size, mean_loss, std::span<const std::int64_t>(&correct, 1));
  }

  std::int64_t steps() const { return steps_; }
  std::int64_t images() const { return images_; }
  std::int64_t exit_count() const { return std::ssize(correct_); }
  double mean_loss() const;  // over the images seen so far
  double accuracy() const;   // of the last exit, fraction in [0, 1]
  double exit_accuracy(std::int64_t exit) const;  // exit 0 .. exit_count() - 1
  double seconds() const;    // since construction
  double images_per_second() const;
  // Images still to train on in this epoch and the later ones.
  std::int64_t images_left() const;
  // Seconds those take at the current pace.
  double eta_seconds() const;

  std::string line() const;

 private:
  std::int64_t epoch_, epochs_, steps_per_epoch_, images_per_epoch_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t steps_ = 0, images_ = 0;
  std::vector<std::int64_t> correct_;  // per exit
  double loss_sum_ = 0.0;  // sum over images of the per-image loss
};

}  // namespace chase::train

#include "chase/train/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace chase::train {

std::string format_duration(double seconds) {
  auto whole = static_cast<std::int64_t>(std::llround(std::max(seconds, 0.0)));
  if (whole < 60) return fmt::format("{}s", whole);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
}

EpochProgress::EpochProgress(std::int64_t epoch, std::int64_t epochs, std::int64_t steps_per_epoch,
                             std::int64_t images_per_epoch)
    : epoch_(epoch),
      epochs_(epochs),
      steps_per_epoch_(steps_per_epoch),
      images_per_epoch_(images_per_epoch),
      start_(std::chrono::steady_clock::now()) {}

void EpochProgress::add_step(std::int64_t batch_size, double mean_loss,
                             std::span<const std::int64_t> correct_per_exit) {
  CHASE_CHECK(!correct_per_exit.empty(), "EpochProgress::add_step: no exit's count given");
  if (correct_.empty()) correct_.assign(correct_per_exit.size(), 0);
  CHASE_CHECK(correct_per_exit.size() == correct_.size(),
              "EpochProgress::add_step: {} exits' counts, the earlier steps had {}",
              correct_per_exit.size(), correct_.size());
  ++steps_;
  images_ += batch_size;
  for (std::size_t k = 0; k < correct_.size(); ++k) correct_[k] += correct_per_exit[k];
  loss_sum_ += mean_loss * static_cast<double>(batch_size);
}

double EpochProgress::mean_loss() const {
  return images_ == 0 ? 0.0 : loss_sum_ / static_cast<double>(images_);
}

double EpochProgress::exit_accuracy(std::int64_t exit) const {
  CHASE_CHECK(exit >= 0 && exit < exit_count(), "EpochProgress: no exit {} (there are {})", exit,
              exit_count());
  return images_ == 0 ? 0.0
                      : static_cast<double>(correct_[static_cast<std::size_t>(exit)]) /
                            static_cast<double>(images_);
}

double EpochProgress::accuracy() const {
  return correct_.empty() ? 0.0 : exit_accuracy(exit_count() - 1);
}

double EpochProgress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double EpochProgress::images_per_second() const {
  auto elapsed = seconds();
  return elapsed > 0.0 ? static_cast<double>(images_) / elapsed : 0.0;
}

std::int64_t EpochProgress::images_left() const {
  return (images_per_epoch_ - images_) + (epochs_ - epoch_) * images_per_epoch_;
}

double EpochProgress::eta_seconds() const {
  auto rate = images_per_second();
  return rate > 0.0 ? static_cast<double>(images_left()) / rate : 0.0;
}

std::string EpochProgress::line() const {
  auto accuracy_text = fmt::format("{:.2f}%", 100.0 * accuracy());
  if (exit_count() > 1) {
    accuracy_text = fmt::format("{:.2f}% (exit 1) {:.2f}% (exit {})", 100.0 * exit_accuracy(0),
                                100.0 * accuracy(), exit_count());
  }
  return fmt::format("epoch {}/{}  step {}/{}  loss {:.4f}  acc {}  {:.0f} img/s  ETA {}", epoch_,
                     epochs_, steps_, steps_per_epoch_, mean_loss(), accuracy_text,
                     images_per_second(), format_duration(eta_seconds()));
}

}  // namespace chase::train

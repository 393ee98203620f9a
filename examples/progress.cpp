#include "examples/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

void EpochProgress::add_step(std::int64_t batch_size, double mean_loss, std::int64_t correct) {
  ++steps_;
  images_ += batch_size;
  correct_ += correct;
  loss_sum_ += mean_loss * static_cast<double>(batch_size);
}

double EpochProgress::mean_loss() const {
  return images_ == 0 ? 0.0 : loss_sum_ / static_cast<double>(images_);
}

double EpochProgress::accuracy() const {
  return images_ == 0 ? 0.0 : static_cast<double>(correct_) / static_cast<double>(images_);
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
  return fmt::format("epoch {}/{}  step {}/{}  loss {:.4f}  acc {:.2f}%  {:.0f} img/s  ETA {}",
                     epoch_, epochs_, steps_, steps_per_epoch_, mean_loss(), 100.0 * accuracy(),
                     images_per_second(), format_duration(eta_seconds()));
}

}  // namespace chase::train

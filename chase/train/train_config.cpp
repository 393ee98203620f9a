#include "chase/train/train_config.h"

#include <cmath>

#include "tensor/error.h"

namespace chase::train {

void validate(const TrainConfig& config) {
  CHASE_CHECK(!config.out_dir.empty(), "--out DIR is required");
  CHASE_CHECK(config.epochs >= 1, "--epochs must be at least 1, got {}", config.epochs);
  CHASE_CHECK(config.batch_size >= 1, "--batch-size must be at least 1, got {}", config.batch_size);
  CHASE_CHECK(config.lr > 0.0, "--lr must be positive, got {}", config.lr);
  CHASE_CHECK(config.momentum >= 0.0 && config.momentum < 1.0,
              "--momentum must lie in [0, 1), got {}", config.momentum);
  CHASE_CHECK(!config.nesterov || config.momentum > 0.0,
              "--nesterov needs a positive --momentum, got {}", config.momentum);
  CHASE_CHECK(config.weight_decay >= 0.0, "--weight-decay must be non-negative, got {}",
              config.weight_decay);
  CHASE_CHECK(config.warmup_epochs >= 0.0 && config.warmup_epochs <= config.epochs,
              "--warmup-epochs must lie in [0, --epochs = {}], got {}", config.epochs,
              config.warmup_epochs);
  CHASE_CHECK(config.label_smoothing >= 0.0 && config.label_smoothing <= 1.0,
              "--label-smoothing must lie in [0, 1], got {}", config.label_smoothing);
  for (double weight : config.exit_weights) {
    CHASE_CHECK(std::isfinite(weight) && weight >= 0.0,
                "--exit-weights: each weight must be finite and non-negative, got {}", weight);
  }
  CHASE_CHECK(config.random_erasing >= 0.0 && config.random_erasing <= 1.0,
              "--random-erasing must lie in [0, 1], got {}", config.random_erasing);
  CHASE_CHECK(config.val_size >= 0, "--val-size must be non-negative, got {}", config.val_size);
  CHASE_CHECK(config.threads >= 0, "--threads must be non-negative, got {}", config.threads);
  CHASE_CHECK(config.workers >= 0, "--workers must be non-negative, got {}", config.workers);
  CHASE_CHECK(config.log_every >= 1, "--log-every must be at least 1, got {}", config.log_every);
  try {
    parse_device(config.device);
  } catch (const Error&) {
    throw Error(fmt::format("--device must be cpu, cuda or cuda:N, got '{}'", config.device));
  }
  CHASE_CHECK(config.cpu_kernels == CpuBackend::reference || dnnl_available(),
              "--cpu-kernels dnnl: this build of chase has no oneDNN backend");
}

}  // namespace chase::train

// Everything that defines a `chase train` run: the dataset and model, the
// optimisation recipe, and how the run is executed. The defaults are the
// Fashion-MNIST recipe of docs/results.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/kernels.h"

namespace chase::train {

struct TrainConfig {
  std::string dataset = "fashion-mnist";
  std::string model = "small-cnn";
  std::filesystem::path data_dir;  // empty: the dataset's default location
  std::filesystem::path out_dir;   // metrics.jsonl, train.log, checkpoints

  // SGD with momentum, linear warmup then cosine annealing to 0, both per step.
  std::int64_t epochs = 5;
  std::int64_t batch_size = 128;
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  double warmup_epochs = 1.0;
  std::uint64_t seed = 1;  // initialisation, shuffling, augmentation, dropout, validation split

  // The multi-exit loss (chase/train/multi_exit_loss.h).
  double label_smoothing = 0.0;     // in [0, 1]
  std::vector<double> exit_weights{};  // one per exit of the model; empty: all 1
  // Training images held out for validation (chase/train/validation_split.h); 0: none.
  std::int64_t val_size = 0;
  // Probability of random erasing (data/random_erasing.h) of each training
  // image, after normalisation; 0: off. In [0, 1].
  double random_erasing = 0.0;

  std::string device = "cpu";
  // oneDNN where this build has it; the reference loops are the slow oracle.
  CpuBackend cpu_kernels = dnnl_available() ? CpuBackend::dnnl : CpuBackend::reference;
  int threads = 0;  // OpenMP threads; 0 keeps OpenMP's default (OMP_NUM_THREADS or all cores)
  int workers = 2;  // data-loader threads; 0 loads batches on the training thread
  std::int64_t log_every = 50;  // steps between progress lines
  bool resume = false;          // continue the run whose checkpoint is in out_dir
};

// Throws chase::Error naming the option (as spelled on the command line) and
// the accepted range when a value is out of range. What depends on the data or
// the model (--val-size below the training set's size, one --exit-weights
// entry per exit) is checked by run_training once they are known, before
// anything is written.
void validate(const TrainConfig& config);

}  // namespace chase::train

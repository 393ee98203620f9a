// Checkpoints in the safetensors format (nn/safetensors.h), so that weights
// open in other tools. Two files:
//   model weights   every entry of model.state_dict() (parameters and buffers)
//   training state  optimizer momentum buffers as tensors "momentum_buffer.<name>",
//                   and as metadata the epoch, the step and the named random
//                   streams ("rng.<name>" = "<seed> <offset>", see tensor/random.h)
// Each file is written to a temporary and renamed (no torn files). Restoring
// both, with the same data order, continues a run bit-identically: the
// parameters, momentum buffers and Philox counters are all the state SGD and
// the random streams have.
//
// Devices: saving copies each tensor to the CPU; loading reads the file into
// CPU tensors and copies each onto the device of the parameter (or buffer) it
// replaces. So a checkpoint loads onto either device: move the model to its
// device first (model.to(device)), then load; the optimizer's buffers follow
// its parameters.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "nn/module.h"
#include "nn/optim/sgd.h"
#include "nn/safetensors.h"
#include "tensor/random.h"

namespace chase {

struct TrainingState {
  std::int64_t epoch = 0;  // epochs completed
  std::int64_t step = 0;   // optimizer steps taken
  std::map<std::string, Generator> rng;  // e.g. "shuffle", "augment", "dropout"
};

// Model weights. Loading checks every entry (names, shapes, dtypes) through
// Module::load_state_dict; errors name the file.
void save_model(const std::string& path, const Module& model, const Metadata& metadata = {});
void load_model(const std::string& path, Module& model, bool strict = true);

// The optimizer's buffers and `state`. Loading replaces the optimizer's momentum
// buffers and returns the state; errors name the file and the bad entry.
void save_training_state(const std::string& path, const Sgd& optimizer,
                         const TrainingState& state);
TrainingState load_training_state(const std::string& path, Sgd& optimizer);

// Both files in `directory` (model.safetensors, training_state.safetensors),
// each stamped with the step. A crash between the two renames leaves files of
// different steps; load_checkpoint refuses them (naming both steps) instead of
// resuming from an inconsistent pair.
void save_checkpoint(const std::string& directory, const Module& model, const Sgd& optimizer,
                     const TrainingState& state);
TrainingState load_checkpoint(const std::string& directory, Module& model, Sgd& optimizer);

}  // namespace chase

// What msdnet_logits and chase_logits share: their command line, and writing a
// multi-exit model's state, a small random input and every exit's logits
// (evaluation mode, then training mode) to a safetensors file for a PyTorch port
// to check.
//
// Before the logits are taken, the BatchNorm running statistics are calibrated by
// ten training-mode passes over a separate random batch of 8, and the BatchNorm
// weights and biases are drawn at random (then whatever `randomise_more` draws),
// so that evaluation mode is not an identity and the logits depend on the input.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "chase/multi_exit_model.h"
#include "data/dataset.h"
#include "nn/safetensors.h"
#include "tensor/random.h"

namespace chase::bench {

struct LogitsArguments {
  std::string model, out;
  std::int64_t batch = 2;
  std::uint64_t seed = 1;
  DType dtype = DType::f32;
};

// --model PRESET --out FILE [--batch N] [--seed S] [--dtype f32|f64]; errors name
// `program`. --model defaults to `default_model`.
LogitsArguments parse_logits_arguments(const std::string& program, const std::string& default_model,
                                       int argc, char** argv);

// `model` (weights drawn from Generator(arguments.seed), already built) converted to
// the dtype, calibrated, randomised from Generator(seed + 1000), then written to
// arguments.out with `metadata` (plus "preset"); prints one line saying what.
void dump_logits(MultiExitModel& model, data::ImageShape input, const LogitsArguments& arguments,
                 const std::function<void(const Module&, Generator&)>& randomise_more,
                 Metadata metadata);

// Runs `body`, printing an exception's message and returning 1 instead of throwing.
int run_reporting_errors(const std::function<int()>& body);

}  // namespace chase::bench

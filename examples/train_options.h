// The command line of `chase train`: its options, and the TrainConfig they
// ask for. A model with a training recipe (chase/models/registry.h) supplies
// every recipe option the user does not give; the options given override it.
#pragma once

#include "chase/train/train_config.h"
#include "examples/cli.h"

namespace chase::commands {

cli::ArgParser train_parser();

// TrainConfig's defaults, then the recipe of --model if it has one, then each
// option given on the command line. Throws cli::UsageError for a malformed value.
train::TrainConfig train_config(const cli::ParsedArgs& parsed);

}  // namespace chase::commands

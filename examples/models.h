// The models `chase train --model NAME` can build.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "data/dataset.h"
#include "nn/module.h"
#include "tensor/random.h"

namespace chase::train {

// "small-cnn".
std::span<const std::string> model_names();

// A classifier of `input` images into `num_classes` classes, its weights drawn
// from `init`; dropout layers draw from `dropout_rng`.
std::shared_ptr<Module> make_model(const std::string& name, data::ImageShape input,
                                   std::int64_t num_classes, Generator& init,
                                   std::shared_ptr<Generator> dropout_rng);

}  // namespace chase::train

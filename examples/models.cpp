#include "examples/models.h"

#include <array>

#include "examples/small_cnn.h"
#include "tensor/error.h"

namespace chase::train {

namespace {
const std::array<std::string, 1> kModelNames = {"small-cnn"};
}  // namespace

std::span<const std::string> model_names() { return kModelNames; }

std::shared_ptr<Module> make_model(const std::string& name, data::ImageShape input,
                                   std::int64_t num_classes, Generator& init,
                                   std::shared_ptr<Generator> dropout_rng) {
  if (name == "small-cnn") return make_small_cnn(input, num_classes, init, std::move(dropout_rng));
  throw Error(fmt::format("make_model: unknown model '{}', expected one of {}", name,
                          fmt::join(kModelNames, ", ")));
}

}  // namespace chase::train

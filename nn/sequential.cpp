#include "nn/sequential.h"

#include <string>

namespace chase {

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& layers) : Sequential() {
  for (const auto& layer : layers) push_back(layer);
}

void Sequential::push_back(std::shared_ptr<Module> layer) {
  CHASE_CHECK(layer != nullptr, "Sequential::push_back: null module at position {}",
              layers_.size());
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(layer)));
}

Module& Sequential::operator[](std::size_t index) const {
  CHASE_CHECK(index < layers_.size(), "Sequential: index {} out of range for {} layers", index,
              layers_.size());
  return *layers_[index];
}

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (const auto& layer : layers_) y = (*layer)(y);
  return y;
}

}  // namespace chase

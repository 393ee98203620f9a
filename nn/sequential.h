// Sequential: children named "0", "1", ... applied in order, as torch.nn.Sequential,
// so that its state dict names ("0.weight", "3.running_mean") match PyTorch's.
// Every child must have a single-input forward.
#pragma once

#include <memory>
#include <vector>

#include "nn/module.h"

namespace chase {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& layers);

  // Appends a layer named after its position.
  void push_back(std::shared_ptr<Module> layer);

  Variable forward(const Variable& x) override;

  std::size_t size() const { return layers_.size(); }
  Module& operator[](std::size_t index) const;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace chase

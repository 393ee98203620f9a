// Flatten: merges dims start_dim..end_dim into one, as torch.nn.Flatten
// (defaults 1 and -1: [N, C, H, W] -> [N, C * H * W]). A view when the input's
// strides allow it. No parameters.
#pragma once

#include "nn/module.h"

namespace chase {

class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);

  Variable forward(const Variable& x) override;

 private:
  std::int64_t start_dim_, end_dim_;
};

}  // namespace chase

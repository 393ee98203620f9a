// Grad mode: whether ops over Variables record the graph. It is per thread, so
// a data-loader or evaluation thread under NoGradGuard does not affect training.
#pragma once

namespace chase {

bool grad_mode_enabled();

// Within its scope (on this thread) ops record no graph: results do not require
// grad and hold no saved tensors. Used for evaluation and optimizer steps.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace chase

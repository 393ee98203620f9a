// Dropout (Srivastava et al. 2014), as torch.nn.Dropout: in training, each
// element is zeroed with probability p and the survivors are scaled by
// 1 / (1 - p), so the expected output is x; in evaluation it is the identity.
//
// The random stream is a Generator the caller owns and shares (several Dropout
// layers may draw from one): the training program saves and restores it with
// its other RNG states (nn/checkpoint.h), so a resumed run drops the same
// elements as an uninterrupted one.
#pragma once

#include <memory>

#include "nn/module.h"
#include "tensor/random.h"

namespace chase {

class Dropout : public Module {
 public:
  Dropout(double p, std::shared_ptr<Generator> gen);

  Variable forward(const Variable& x) override;

  double p() const { return p_; }

 private:
  double p_;
  std::shared_ptr<Generator> gen_;
};

}  // namespace chase

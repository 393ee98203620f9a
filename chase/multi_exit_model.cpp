#include "chase/multi_exit_model.h"

#include "autograd/functions.h"
#include "tensor/error.h"

namespace chase {
namespace {

// Every exit computed at once, handed out in order; keep() narrows the ones not
// yet handed out.
class WholePassStages final : public ExitStages {
 public:
  WholePassStages(MultiExitModel& model, const Variable& x) : model_(model), input_(x) {}

  Variable next() override {
    if (!computed_) {
      logits_ = model_.forward_exits(input_);
      computed_ = true;
      input_ = Variable();
    }
    CHASE_CHECK(next_ < logits_.size(), "{}: all {} exits already computed", model_.type_name(),
                logits_.size());
    return logits_[next_++];
  }

  void keep(const Tensor& rows) override {
    if (!computed_) {
      input_ = index_select(input_, 0, rows);
      return;
    }
    for (std::size_t k = next_; k < logits_.size(); ++k) logits_[k] = index_select(logits_[k], 0, rows);
  }

 private:
  MultiExitModel& model_;
  Variable input_;
  std::vector<Variable> logits_;
  std::size_t next_ = 0;
  bool computed_ = false;
};

}  // namespace

std::unique_ptr<ExitStages> MultiExitModel::exit_stages(const Variable& x) {
  return std::make_unique<WholePassStages>(*this, x);
}

}  // namespace chase

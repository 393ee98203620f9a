#include "autograd/grad_mode.h"

namespace chase {
namespace {
thread_local bool grad_enabled = true;
}  // namespace

bool grad_mode_enabled() { return grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }

NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }

}  // namespace chase

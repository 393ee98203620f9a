#include "tensor/cuda/runtime.h"

#include "tensor/cuda/status.h"

namespace chase::cuda {

cudaStream_t stream() {
  // Non-blocking: the legacy default stream, which some libraries use, does
  // not implicitly wait for this one or make it wait. Never destroyed: the
  // runtime may already be torn down when static objects are.
  static cudaStream_t s = [] {
    cudaStream_t created = nullptr;
    check_cuda(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking), "cuda stream");
    return created;
  }();
  return s;
}

void check_served_tensor(const char* op, const Tensor& t) {
  if (!t.defined()) return;
  CHASE_CHECK(t.device() == Device::cuda(0),
              "{}: tensor on {}; the CUDA backend serves cuda:0 only", op, t.device().str());
}

void synchronize(const char* op) { check_cuda(cudaStreamSynchronize(stream()), op); }

}  // namespace chase::cuda

#include "tensor/cuda/status.h"

#include "tensor/error.h"

namespace chase::cuda {

void check_cuda(cudaError_t status, const char* op) {
  if (status == cudaSuccess) return;
  // Clears the error where it is not sticky, so that the next call starts clean.
  cudaGetLastError();
  throw Error(fmt::format("{}: CUDA error {}: {}", op, cudaGetErrorName(status),
                          cudaGetErrorString(status)));
}

void check_launch(const char* op) { check_cuda(cudaGetLastError(), op); }

}  // namespace chase::cuda

#include "tensor/cuda/status.h"

#include "tensor/error.h"

namespace chase::cuda {
namespace {

// A fault inside a kernel: reported by whichever call comes next, and sticky
// (the context is unusable until the process exits).
bool is_kernel_fault(cudaError_t status) {
  switch (status) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
      return true;
    default:
      return false;
  }
}

}  // namespace

void check_cuda(cudaError_t status, const char* op) {
  if (status == cudaSuccess) return;
  // Clears the error where it is not sticky, so that the next call starts clean.
  cudaGetLastError();
  throw Error(fmt::format(
      "{}: CUDA error {}: {}{}", op, cudaGetErrorName(status), cudaGetErrorString(status),
      is_kernel_fault(status)
          ? " (a kernel faulted, maybe one queued before this op; the GPU is unusable until "
            "the process exits; CUDA_LAUNCH_BLOCKING=1 reports the fault at its own op)"
          : ""));
}

void check_launch(const char* op) { check_cuda(cudaGetLastError(), op); }

}  // namespace chase::cuda

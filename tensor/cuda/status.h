// CUDA runtime status codes as chase::Error. The message names the op and
// carries the runtime's own error name and text, so that a failure on a
// machine nobody can log into still says what went wrong and where.
#pragma once

#include <cuda_runtime_api.h>

namespace chase::cuda {

// Throws "<op>: CUDA error <name>: <text>" unless status is cudaSuccess.
void check_cuda(cudaError_t status, const char* op);

// After a kernel launch: reports a bad launch configuration against the op.
// A fault inside a kernel (an illegal address) surfaces later, at the next
// launch check or synchronisation, and is reported against that op; running
// with CUDA_LAUNCH_BLOCKING=1 makes every launch wait, which pins it down.
void check_launch(const char* op);

}  // namespace chase::cuda

// The GPU this backend serves and the one stream every kernel, copy and
// library call of chase is queued on. One stream orders all work: a kernel
// sees the results of everything queued before it, and memory freed by a
// tensor can be handed to the next allocation at once (its new user's work is
// queued behind the old user's). The host waits only at the explicit
// synchronisation points: copies to the host (and so item() and to_vector()),
// synchronize(), and the few ops that must read a device value to validate
// their input (indices).
#pragma once

#include <cuda_runtime_api.h>

#include "tensor/tensor.h"

namespace chase::cuda {

// The stream of the served device, created on first use.
cudaStream_t stream();

// Every defined tensor must live on the served device, cuda:0: a kernel handed
// a host pointer would fault and leave the CUDA context unusable. (The
// allocator interface does not say which device a block is for, so blocks come
// from the current device, which chase never changes; serving cuda:N needs the
// device passed down to the allocator.)
void check_served_tensor(const char* op, const Tensor& t);
template <class... Tensors>
void check_served(const char* op, const Tensors&... tensors) {
  (check_served_tensor(op, tensors), ...);
}

// Blocks the host until every queued kernel and copy has finished.
void synchronize(const char* op);

}  // namespace chase::cuda

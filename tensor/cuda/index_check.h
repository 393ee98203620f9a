// Validation of index tensors that live on the GPU. A kernel that followed a
// bad index would write outside its tensor (and may corrupt memory or kill
// the CUDA context), so the ops that take indices check them all first, as
// the reference backend does. The check reads one number back, so it is a
// synchronisation point: the host waits for the queued work before it.
#pragma once

#include <cstdint>
#include <optional>

#include "tensor/tensor.h"

namespace chase::cuda {

struct BadIndex {
  std::int64_t position;  // flat position in the index tensor
  std::int64_t value;
};

// The first element of `index` (i64, contiguous, on the GPU) outside
// [0, bound), if any.
std::optional<BadIndex> first_index_outside(const Tensor& index, std::int64_t bound,
                                            const char* op);

}  // namespace chase::cuda

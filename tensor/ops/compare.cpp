// STUB: ops of ops.h in the group 'compare', to be written.
#include "tensor/ops.h"
#include "tensor/kernels.h"

namespace chase {}  // namespace chase

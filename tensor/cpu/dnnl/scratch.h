// Per-thread scratch memory kept between calls, for the reordered copies of
// operands and the primitives' own scratchpads. A fresh allocation per call
// costs a page fault per 4 KiB page on first touch, which measured slower
// than a convolution itself on 4 MiB activations. Each buffer one primitive
// call uses at the same time takes its own slot.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace chase::onednn {

enum class ScratchSlot { first_operand, second_operand, third_operand, scratchpad };

// Memory for `desc` in the calling thread's buffer of `slot`, valid until the
// next call with the same slot on this thread.
dnnl::memory scratch_memory(const dnnl::memory::desc& desc, ScratchSlot slot);

}  // namespace chase::onednn

// Moving data between a tensor's plain (NCHW) layout and the layout a
// primitive prefers (blocked, e.g. nChw16c). A Relayout is built once with the
// primitive and cached with it; it is a no-op when the two layouts agree, and
// otherwise reorders through the scratch slot it was given.
#pragma once

#include <optional>

#include "tensor/cpu/dnnl/engine.h"
#include "tensor/cpu/dnnl/scratch.h"

namespace chase::onednn {

class Relayout {
 public:
  Relayout() = default;
  // For an input: the user's layout -> the primitive's.
  static Relayout for_input(const dnnl::memory::desc& user, const dnnl::memory::desc& wanted,
                            ScratchSlot slot);
  // For an output: the primitive's layout -> the user's.
  static Relayout for_output(const dnnl::memory::desc& produced, const dnnl::memory::desc& user,
                             ScratchSlot slot);

  // Inputs: `user` in the primitive's layout (itself, or a reordered copy).
  dnnl::memory input(const dnnl::memory& user) const;
  // Outputs: where the primitive writes (`user` itself, or a scratch buffer)...
  dnnl::memory output_buffer(const dnnl::memory& user) const;
  // ...and the copy back into `user` once it has written.
  void finish_output(const dnnl::memory& buffer, const dnnl::memory& user) const;

 private:
  Relayout(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
           const dnnl::memory::desc& buffer, ScratchSlot slot);

  dnnl::memory::desc buffer_desc_;  // the primitive's side of the reorder
  ScratchSlot slot_ = ScratchSlot::first_operand;
  std::optional<dnnl::reorder> reorder_;
};

}  // namespace chase::onednn

#include "tensor/cpu/dnnl/layout.h"

namespace chase::onednn {

Relayout::Relayout(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
                   const dnnl::memory::desc& buffer, ScratchSlot slot)
    : buffer_desc_(buffer), slot_(slot) {
  if (from != to)
    reorder_.emplace(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to,
                                                   primitive_attributes()));
}

Relayout Relayout::for_input(const dnnl::memory::desc& user, const dnnl::memory::desc& wanted,
                             ScratchSlot slot) {
  return Relayout(user, wanted, wanted, slot);
}

Relayout Relayout::for_output(const dnnl::memory::desc& produced, const dnnl::memory::desc& user,
                              ScratchSlot slot) {
  return Relayout(produced, user, produced, slot);
}

dnnl::memory Relayout::input(const dnnl::memory& user) const {
  if (!reorder_) return user;
  auto buffer = scratch_memory(buffer_desc_, slot_);
  execute(*reorder_, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, buffer}});
  return buffer;
}

dnnl::memory Relayout::output_buffer(const dnnl::memory& user) const {
  return reorder_ ? scratch_memory(buffer_desc_, slot_) : user;
}

void Relayout::finish_output(const dnnl::memory& buffer, const dnnl::memory& user) const {
  if (reorder_) execute(*reorder_, {{DNNL_ARG_FROM, buffer}, {DNNL_ARG_TO, user}});
}

}  // namespace chase::onednn

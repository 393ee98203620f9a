#include "tensor/cpu/dnnl/layout.h"

namespace chase::onednn {

Relayout::Relayout(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
                   const dnnl::memory::desc& buffer)
    : buffer_desc_(buffer) {
  if (from != to)
    reorder_.emplace(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to));
}

Relayout Relayout::for_input(const dnnl::memory::desc& user, const dnnl::memory::desc& wanted) {
  return Relayout(user, wanted, wanted);
}

Relayout Relayout::for_output(const dnnl::memory::desc& produced,
                              const dnnl::memory::desc& user) {
  return Relayout(produced, user, produced);
}

dnnl::memory Relayout::input(const dnnl::memory& user) const {
  if (!reorder_) return user;
  dnnl::memory buffer(buffer_desc_, cpu_engine());
  execute(*reorder_, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, buffer}});
  return buffer;
}

dnnl::memory Relayout::output_buffer(const dnnl::memory& user) const {
  if (!reorder_) return user;
  return dnnl::memory(buffer_desc_, cpu_engine());
}

void Relayout::finish_output(const dnnl::memory& buffer, const dnnl::memory& user) const {
  if (reorder_) execute(*reorder_, {{DNNL_ARG_FROM, buffer}, {DNNL_ARG_TO, user}});
}

}  // namespace chase::onednn

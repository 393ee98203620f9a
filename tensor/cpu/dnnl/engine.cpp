#include "tensor/cpu/dnnl/engine.h"

#include "tensor/cpu/dnnl/scratch.h"

namespace chase::onednn {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::primitive_attr primitive_attributes() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void execute(const dnnl::primitive& primitive, std::unordered_map<int, dnnl::memory> args) {
  const dnnl_memory_desc_t* scratchpad =
      dnnl_primitive_desc_query_md(primitive.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  if (scratchpad != nullptr && scratchpad->ndims > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 scratch_memory(dnnl::memory::desc(*scratchpad), ScratchSlot::scratchpad));
  // A stream must not be shared between threads; each thread gets its own.
  thread_local dnnl::stream stream(cpu_engine());
  primitive.execute(stream, args);
  stream.wait();
}

dnnl::memory::desc plain_desc(const Shape& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, contiguous_strides(dims));
}

dnnl::memory memory_of(const dnnl::memory::desc& desc, const Tensor& t) {
  return dnnl::memory(desc, cpu_engine(), t.raw_data());
}

bool all_f32(std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors)
    if (t->defined() && t->dtype() != DType::f32) return false;
  return true;
}

std::size_t CacheKeyHash::operator()(const CacheKey& key) const {
  // FNV-1a over the values: keys are short, collisions are resolved by equality.
  std::size_t hash = 14695981039346656037ull;
  for (auto value : key) {
    hash ^= static_cast<std::size_t>(value);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace chase::onednn

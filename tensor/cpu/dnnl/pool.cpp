// Average pooling through oneDNN, on plain NCHW (pooling reads each element
// about once, so reordering to a blocked layout would only add traffic).
// PyTorch's count_include_pad divides by the whole window, which without
// ceil_mode never leaves the padded input: oneDNN's avg_include_padding. The
// alternative divides by the window's valid elements: avg_exclude_padding.
// Adaptive pooling whose output divides the input is the same as a plain
// average pooling with kernel = stride = input / output (the global average
// pooling of channel attention is the common case); other bins vary in size
// and stay on the reference path.
#include "tensor/cpu/dnnl/dnnl_kernels.h"
#include "tensor/cpu/dnnl/engine.h"

namespace chase {
namespace {

using namespace onednn;
using dnnl::memory;

struct PoolForward {
  dnnl::pooling_forward primitive;
};

struct PoolBackward {
  dnnl::pooling_backward primitive;
};

dnnl::algorithm average_algorithm(const Pool2dOptions& options) {
  return options.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                   : dnnl::algorithm::pooling_avg_exclude_padding;
}

CacheKey pool_key(const Shape& x, const Shape& out, const Pool2dOptions& options) {
  CacheKey key(x.begin(), x.end());
  key.insert(key.end(), out.begin(), out.end());
  key.insert(key.end(),
             {options.kernel[0], options.kernel[1], options.stride[0], options.stride[1],
              options.padding[0], options.padding[1], options.count_include_pad ? 1 : 0});
  return key;
}

dnnl::pooling_forward::primitive_desc forward_pd(const Shape& x, const Shape& out,
                                                 const Pool2dOptions& options) {
  const memory::dims padding{options.padding[0], options.padding[1]};
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_training, average_algorithm(options),
                                   plain_desc(x), plain_desc(out),
                                   {options.stride[0], options.stride[1]},
                                   {options.kernel[0], options.kernel[1]}, padding, padding);
  return dnnl::pooling_forward::primitive_desc(desc, primitive_attributes(), cpu_engine());
}

void average_pool(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  auto pool = PrimitiveCache<PoolForward>::get(pool_key(x.shape(), out.shape(), options), [&] {
    return PoolForward{dnnl::pooling_forward(forward_pd(x.shape(), out.shape(), options))};
  });
  execute(pool->primitive, {{DNNL_ARG_SRC, memory_of(plain_desc(x.shape()), x)},
                            {DNNL_ARG_DST, memory_of(plain_desc(out.shape()), out)}});
}

void average_pool_backward(const Tensor& grad_x, const Tensor& grad_out,
                           const Pool2dOptions& options) {
  const auto& x = grad_x.shape();
  const auto& out = grad_out.shape();
  auto pool = PrimitiveCache<PoolBackward>::get(pool_key(x, out, options), [&] {
    const memory::dims padding{options.padding[0], options.padding[1]};
    dnnl::pooling_backward::desc desc(average_algorithm(options), plain_desc(x), plain_desc(out),
                                      {options.stride[0], options.stride[1]},
                                      {options.kernel[0], options.kernel[1]}, padding, padding);
    return PoolBackward{dnnl::pooling_backward(dnnl::pooling_backward::primitive_desc(
        desc, primitive_attributes(), cpu_engine(), forward_pd(x, out, options)))};
  });
  execute(pool->primitive, {{DNNL_ARG_DIFF_DST, memory_of(plain_desc(out), grad_out)},
                            {DNNL_ARG_DIFF_SRC, memory_of(plain_desc(x), grad_x)}});
}

bool runs_on_dnnl(const Tensor& a, const Tensor& b) {
  return all_f32({&a, &b}) && a.numel() > 0 && b.numel() > 0;
}

// The average pooling equal to adaptive pooling of input -> output, if any.
bool adaptive_as_average(const Shape& input, const Shape& output, Pool2dOptions& options) {
  if (input[2] % output[2] != 0 || input[3] % output[3] != 0) return false;
  const Pair window{input[2] / output[2], input[3] / output[3]};
  options = Pool2dOptions{window, window, {0, 0}, true};
  return true;
}

}  // namespace

void DnnlKernels::avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) {
  if (!runs_on_dnnl(out, x)) return RefKernels::avg_pool2d(out, x, options);
  average_pool(out, x, options);
}

void DnnlKernels::avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                      const Pool2dOptions& options) {
  if (!runs_on_dnnl(grad_x, grad_out))
    return RefKernels::avg_pool2d_backward(grad_x, grad_out, options);
  average_pool_backward(grad_x, grad_out, options);
}

void DnnlKernels::adaptive_avg_pool2d(const Tensor& out, const Tensor& x) {
  Pool2dOptions options;
  if (!runs_on_dnnl(out, x) || !adaptive_as_average(x.shape(), out.shape(), options))
    return RefKernels::adaptive_avg_pool2d(out, x);
  average_pool(out, x, options);
}

void DnnlKernels::adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) {
  // The backward of a global pooling is a broadcast, which the reference does
  // faster (one thread, [64, 32, 16, 16]: 0.050 ms vs 0.067).
  const bool global = grad_out.size(2) == 1 && grad_out.size(3) == 1;
  Pool2dOptions options;
  if (global || !runs_on_dnnl(grad_x, grad_out) ||
      !adaptive_as_average(grad_x.shape(), grad_out.shape(), options))
    return RefKernels::adaptive_avg_pool2d_backward(grad_x, grad_out);
  average_pool_backward(grad_x, grad_out, options);
}

}  // namespace chase

// 2-d convolution, forward and both backward passes, through oneDNN.
// Tensors arrive in plain NCHW; the primitives run in the blocked layouts
// oneDNN prefers (nChw16c on AVX-512) with reorders around them, which
// benchmarks showed to be faster than running the primitives on NCHW.
#include "tensor/cpu/dnnl/dnnl_kernels.h"
#include "tensor/cpu/dnnl/engine.h"
#include "tensor/cpu/dnnl/layout.h"

namespace chase {
namespace {

using namespace onednn;
using dnnl::memory;

// Shapes and hyper-parameters in oneDNN's terms. Grouped weights
// [Co, Ci/g, Kh, Kw] are the same memory as oneDNN's goihw [g, Co/g, Ci/g, Kh, Kw].
struct ConvGeometry {
  memory::dims x, w, out, bias;
  memory::dims strides, dilates, padding_l, padding_r;

  ConvGeometry(const Shape& x_shape, const Shape& w_shape, const Shape& out_shape,
               const Conv2dOptions& options)
      : x(x_shape), out(out_shape), bias{out_shape[1]} {
    const auto groups = options.groups;
    if (groups == 1)
      w = w_shape;
    else
      w = {groups, w_shape[0] / groups, w_shape[1], w_shape[2], w_shape[3]};
    strides = {options.stride[0], options.stride[1]};
    // oneDNN counts dilation from 0 (no gaps), PyTorch from 1.
    dilates = {options.dilation[0] - 1, options.dilation[1] - 1};
    padding_l = {options.padding[0], options.padding[1]};
    // Symmetric padding as PyTorch; oneDNN's output size check uses floor
    // division like PyTorch's formula, so the right padding is the same.
    padding_r = padding_l;
  }
};

CacheKey conv_key(std::int64_t tag, const Shape& x, const Shape& w, const Shape& out,
                  const Conv2dOptions& options, bool with_bias) {
  CacheKey key{tag};
  for (const Shape* s : {&x, &w, &out}) key.insert(key.end(), s->begin(), s->end());
  key.insert(key.end(), {options.stride[0], options.stride[1], options.padding[0],
                         options.padding[1], options.dilation[0], options.dilation[1],
                         options.groups, with_bias ? 1 : 0});
  return key;
}

memory::desc any_layout(const memory::dims& dims) {
  return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

// The forward primitive descriptor: the forward itself and the hint both
// backward passes need.
dnnl::convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool with_bias) {
  using fwd = dnnl::convolution_forward;
  auto desc = with_bias
                  ? fwd::desc(dnnl::prop_kind::forward_training,
                              dnnl::algorithm::convolution_direct, any_layout(g.x),
                              any_layout(g.w), plain_desc(g.bias), any_layout(g.out), g.strides,
                              g.dilates, g.padding_l, g.padding_r)
                  : fwd::desc(dnnl::prop_kind::forward_training,
                              dnnl::algorithm::convolution_direct, any_layout(g.x),
                              any_layout(g.w), any_layout(g.out), g.strides, g.dilates,
                              g.padding_l, g.padding_r);
  return fwd::primitive_desc(desc, cpu_engine());
}

struct ConvForward {
  ConvGeometry g;
  dnnl::convolution_forward primitive;
  Relayout x, w, out;
};

struct ConvBackwardInput {
  ConvGeometry g;
  dnnl::convolution_backward_data primitive;
  Relayout grad_out, w, grad_x;
};

struct ConvBackwardWeight {
  ConvGeometry g;
  dnnl::convolution_backward_weights primitive;
  Relayout grad_out, x, grad_w;
};

bool runs_on_dnnl(std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors)
    if (t->defined() && t->numel() == 0) return false;
  return all_f32(tensors);
}

}  // namespace

void DnnlKernels::conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                         const Conv2dOptions& options) {
  if (!runs_on_dnnl({&out, &x, &w, &bias})) return RefKernels::conv2d(out, x, w, bias, options);
  const bool with_bias = bias.defined();
  auto key = conv_key(0, x.shape(), w.shape(), out.shape(), options, with_bias);
  auto conv = PrimitiveCache<ConvForward>::get(key, [&] {
    ConvGeometry g(x.shape(), w.shape(), out.shape(), options);
    auto pd = forward_pd(g, with_bias);
    return ConvForward{g, dnnl::convolution_forward(pd),
                       Relayout::for_input(plain_desc(g.x), pd.src_desc()),
                       Relayout::for_input(plain_desc(g.w), pd.weights_desc()),
                       Relayout::for_output(pd.dst_desc(), plain_desc(g.out))};
  });
  const auto& g = conv->g;
  auto out_user = memory_of(plain_desc(g.out), out);
  auto out_buffer = conv->out.output_buffer(out_user);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, conv->x.input(memory_of(plain_desc(g.x), x))},
      {DNNL_ARG_WEIGHTS, conv->w.input(memory_of(plain_desc(g.w), w))},
      {DNNL_ARG_DST, out_buffer}};
  if (with_bias) args.emplace(DNNL_ARG_BIAS, memory_of(plain_desc(g.bias), bias));
  execute(conv->primitive, args);
  conv->out.finish_output(out_buffer, out_user);
}

void DnnlKernels::conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out,
                                        const Tensor& w, const Conv2dOptions& options) {
  if (!runs_on_dnnl({&grad_x, &grad_out, &w}))
    return RefKernels::conv2d_backward_input(grad_x, grad_out, w, options);
  auto key = conv_key(1, grad_x.shape(), w.shape(), grad_out.shape(), options, false);
  auto conv = PrimitiveCache<ConvBackwardInput>::get(key, [&] {
    ConvGeometry g(grad_x.shape(), w.shape(), grad_out.shape(), options);
    using bwd = dnnl::convolution_backward_data;
    bwd::desc desc(dnnl::algorithm::convolution_direct, any_layout(g.x), any_layout(g.w),
                   any_layout(g.out), g.strides, g.dilates, g.padding_l, g.padding_r);
    bwd::primitive_desc pd(desc, cpu_engine(), forward_pd(g, false));
    return ConvBackwardInput{g, bwd(pd),
                             Relayout::for_input(plain_desc(g.out), pd.diff_dst_desc()),
                             Relayout::for_input(plain_desc(g.w), pd.weights_desc()),
                             Relayout::for_output(pd.diff_src_desc(), plain_desc(g.x))};
  });
  const auto& g = conv->g;
  auto grad_x_user = memory_of(plain_desc(g.x), grad_x);
  auto grad_x_buffer = conv->grad_x.output_buffer(grad_x_user);
  execute(conv->primitive,
          {{DNNL_ARG_DIFF_DST, conv->grad_out.input(memory_of(plain_desc(g.out), grad_out))},
           {DNNL_ARG_WEIGHTS, conv->w.input(memory_of(plain_desc(g.w), w))},
           {DNNL_ARG_DIFF_SRC, grad_x_buffer}});
  conv->grad_x.finish_output(grad_x_buffer, grad_x_user);
}

void DnnlKernels::conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                         const Tensor& x, const Conv2dOptions& options) {
  if (!runs_on_dnnl({&grad_w, &grad_out, &x}))
    return RefKernels::conv2d_backward_weight(grad_w, grad_out, x, options);
  auto key = conv_key(2, x.shape(), grad_w.shape(), grad_out.shape(), options, false);
  auto conv = PrimitiveCache<ConvBackwardWeight>::get(key, [&] {
    ConvGeometry g(x.shape(), grad_w.shape(), grad_out.shape(), options);
    using bwd = dnnl::convolution_backward_weights;
    bwd::desc desc(dnnl::algorithm::convolution_direct, any_layout(g.x), any_layout(g.w),
                   any_layout(g.out), g.strides, g.dilates, g.padding_l, g.padding_r);
    bwd::primitive_desc pd(desc, cpu_engine(), forward_pd(g, false));
    return ConvBackwardWeight{g, bwd(pd),
                              Relayout::for_input(plain_desc(g.out), pd.diff_dst_desc()),
                              Relayout::for_input(plain_desc(g.x), pd.src_desc()),
                              Relayout::for_output(pd.diff_weights_desc(), plain_desc(g.w))};
  });
  const auto& g = conv->g;
  auto grad_w_user = memory_of(plain_desc(g.w), grad_w);
  auto grad_w_buffer = conv->grad_w.output_buffer(grad_w_user);
  execute(conv->primitive,
          {{DNNL_ARG_DIFF_DST, conv->grad_out.input(memory_of(plain_desc(g.out), grad_out))},
           {DNNL_ARG_SRC, conv->x.input(memory_of(plain_desc(g.x), x))},
           {DNNL_ARG_DIFF_WEIGHTS, grad_w_buffer}});
  conv->grad_w.finish_output(grad_w_buffer, grad_w_user);
}

}  // namespace chase

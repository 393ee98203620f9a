// 2-d convolution, forward and both backward passes, through oneDNN.
//
// Tensors arrive in plain NCHW. Convolutions with a spatial kernel run in the
// blocked layouts oneDNN picks (nChw16c on AVX-512) with reorders around
// them; 1x1 convolutions run on NCHW directly, where they are one GEMM.
// Measured on the AVX-512 machine, one thread, batch 64, ms for forward /
// input gradient / weight gradient, blocked with reorders vs NCHW:
//   3x3 16->16 32x32:  2.2 1.8 1.9     vs  11.9 14.2 28.6
//   3x3 32->32 16x16:  1.35 1.33 1.42  vs  2.8 8.0 9.2
//   3x3 depthwise 32:  0.17 0.21 0.14  vs  2.0 3.4 11.9
//   1x1 48->24 16x16:  0.43 0.39 0.39  vs  0.21 0.18 0.41
//   1x1 24->12 32x32:  1.25 1.12 0.95  vs  0.33 0.25 0.27
// Reordered copies live in reused buffers (scratch.h).
//
// Depthwise 3x3 convolutions with stride, padding and dilation 1 (CHASE's
// stem, GAL's positional encoding) run in hand-written loops on NCHW instead
// (depthwise3x3.h). Measured on the same machine, two threads, batch 64, ms
// for forward / input gradient / weight gradient, loops vs oneDNN:
//   64 ch 16x16:   0.10 0.10 0.10     vs  0.16 0.19-0.22 0.16-0.54
//   32 ch 32x32:   0.20 0.20 0.21     vs  0.50-0.64 0.54-0.75 0.72-1.2
//   256 ch 4x4:    0.063 0.065 0.068  vs  0.050 0.08 0.052-0.17
// oneDNN's ranges come from its reorders: the blocked copies they write are
// read by the primitive's threads partly on the other core, and on these
// virtual machines reading another core's writes intermittently costs 2.5x
// more (0.035 -> 0.095 ms per 4 MiB), which triples its weight gradient. The
// forward pass of planes at most four wide stays on oneDNN, faster either way.
#include "tensor/cpu/dnnl/depthwise3x3.h"
#include "tensor/cpu/dnnl/dnnl_kernels.h"
#include "tensor/cpu/dnnl/engine.h"
#include "tensor/cpu/dnnl/layout.h"
#include "tensor/cpu/dnnl/scratch.h"

namespace chase {
namespace {

using namespace onednn;
using dnnl::memory;

// Input planes of at most this many pixels take the blocked layout for a 1x1
// weight gradient too (measured in conv2d_backward_weight).
constexpr std::int64_t kSmallPlane = 8 * 8;

// Shapes and hyper-parameters in oneDNN's terms. Grouped weights
// [Co, Ci/g, Kh, Kw] are the same memory as oneDNN's goihw [g, Co/g, Ci/g, Kh, Kw].
struct ConvGeometry {
  memory::dims x, w, out, bias;
  memory::dims strides, dilates, padding_l, padding_r;
  bool blocked;  // run in oneDNN's preferred layout (see the file comment)

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
    blocked = !(w_shape[2] == 1 && w_shape[3] == 1);
  }

  // How the primitive is asked to lay out an operand of these dims.
  memory::desc operand(const memory::dims& dims) const {
    return blocked ? memory::desc(dims, memory::data_type::f32, memory::format_tag::any)
                   : plain_desc(dims);
  }
};

CacheKey conv_key(const Shape& x, const Shape& w, const Shape& out, const Conv2dOptions& options,
                  bool with_bias) {
  CacheKey key;
  for (const Shape* s : {&x, &w, &out}) key.insert(key.end(), s->begin(), s->end());
  key.insert(key.end(),
             {options.stride[0], options.stride[1], options.padding[0], options.padding[1],
              options.dilation[0], options.dilation[1], options.groups, with_bias ? 1 : 0});
  return key;
}

// The forward primitive descriptor: the forward itself and the hint both
// backward passes need.
dnnl::convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool with_bias) {
  using fwd = dnnl::convolution_forward;
  const auto prop = dnnl::prop_kind::forward_training;
  const auto algorithm = dnnl::algorithm::convolution_direct;
  auto desc = with_bias
                  ? fwd::desc(prop, algorithm, g.operand(g.x), g.operand(g.w), plain_desc(g.bias),
                              g.operand(g.out), g.strides, g.dilates, g.padding_l, g.padding_r)
                  : fwd::desc(prop, algorithm, g.operand(g.x), g.operand(g.w), g.operand(g.out),
                              g.strides, g.dilates, g.padding_l, g.padding_r);
  return fwd::primitive_desc(desc, primitive_attributes(), cpu_engine());
}

// One tensor argument of a primitive call: oneDNN's argument id, the user's
// tensor and its dims in oneDNN's terms.
struct ConvArg {
  int id;
  const Tensor& tensor;
  const memory::dims& dims;

  memory user_memory() const { return memory_of(plain_desc(dims), tensor); }
};

// A cached primitive with what running it needs: the geometry (for the plain
// descriptors of the user's tensors) and a relayout per operand.
template <class Primitive>
struct ConvPrimitive {
  ConvGeometry g;
  Primitive primitive;
  Relayout first_input, second_input, output;

  void run(const ConvArg& first, const ConvArg& second, const ConvArg& out,
           std::unordered_map<int, memory> args = {}) const {
    auto out_user = out.user_memory();
    auto out_buffer = output.output_buffer(out_user);
    args.emplace(first.id, first_input.input(first.user_memory()));
    args.emplace(second.id, second_input.input(second.user_memory()));
    args.emplace(out.id, out_buffer);
    execute(primitive, args);
    output.finish_output(out_buffer, out_user);
  }
};

template <class Primitive, class PrimitiveDesc>
ConvPrimitive<Primitive> make_conv(const ConvGeometry& g, const PrimitiveDesc& pd,
                                   const memory::dims& first_dims, const memory::desc& first_wanted,
                                   const memory::dims& second_dims,
                                   const memory::desc& second_wanted,
                                   const memory::desc& out_produced, const memory::dims& out_dims) {
  return {g, Primitive(pd),
          Relayout::for_input(plain_desc(first_dims), first_wanted, ScratchSlot::first_operand),
          Relayout::for_input(plain_desc(second_dims), second_wanted, ScratchSlot::second_operand),
          Relayout::for_output(out_produced, plain_desc(out_dims), ScratchSlot::third_operand)};
}

// Planes at most this wide run the depthwise forward pass faster in oneDNN
// (see the file comment).
constexpr std::int64_t kDepthwiseForwardMinWidth = 5;

bool runs_on_dnnl(std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors)
    if (t->defined() && t->numel() == 0) return false;
  return all_f32(tensors);
}

}  // namespace

void DnnlKernels::conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                         const Conv2dOptions& options) {
  if (!runs_on_dnnl({&out, &x, &w, &bias})) return RefKernels::conv2d(out, x, w, bias, options);
  if (is_depthwise3x3_same(x.shape(), w.shape(), options) &&
      x.size(3) >= kDepthwiseForwardMinWidth)
    return depthwise3x3_forward(out, x, w, bias);
  const bool with_bias = bias.defined();
  using Forward = ConvPrimitive<dnnl::convolution_forward>;
  auto conv = PrimitiveCache<Forward>::get(
      conv_key(x.shape(), w.shape(), out.shape(), options, with_bias), [&] {
        ConvGeometry g(x.shape(), w.shape(), out.shape(), options);
        auto pd = forward_pd(g, with_bias);
        return make_conv<dnnl::convolution_forward>(g, pd, g.x, pd.src_desc(), g.w,
                                                    pd.weights_desc(), pd.dst_desc(), g.out);
      });
  const auto& g = conv->g;
  std::unordered_map<int, memory> bias_arg;
  if (with_bias) bias_arg.emplace(DNNL_ARG_BIAS, memory_of(plain_desc(g.bias), bias));
  conv->run({DNNL_ARG_SRC, x, g.x}, {DNNL_ARG_WEIGHTS, w, g.w}, {DNNL_ARG_DST, out, g.out},
            bias_arg);
}

void DnnlKernels::conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out,
                                        const Tensor& w, const Conv2dOptions& options) {
  if (!runs_on_dnnl({&grad_x, &grad_out, &w}))
    return RefKernels::conv2d_backward_input(grad_x, grad_out, w, options);
  if (is_depthwise3x3_same(grad_x.shape(), w.shape(), options))
    return depthwise3x3_backward_input(grad_x, grad_out, w);
  using BackwardInput = ConvPrimitive<dnnl::convolution_backward_data>;
  auto conv = PrimitiveCache<BackwardInput>::get(
      conv_key(grad_x.shape(), w.shape(), grad_out.shape(), options, false), [&] {
        ConvGeometry g(grad_x.shape(), w.shape(), grad_out.shape(), options);
        using bwd = dnnl::convolution_backward_data;
        bwd::desc desc(dnnl::algorithm::convolution_direct, g.operand(g.x), g.operand(g.w),
                       g.operand(g.out), g.strides, g.dilates, g.padding_l, g.padding_r);
        bwd::primitive_desc pd(desc, primitive_attributes(), cpu_engine(), forward_pd(g, false));
        return make_conv<bwd>(g, pd, g.out, pd.diff_dst_desc(), g.w, pd.weights_desc(),
                              pd.diff_src_desc(), g.x);
      });
  const auto& g = conv->g;
  conv->run({DNNL_ARG_DIFF_DST, grad_out, g.out}, {DNNL_ARG_WEIGHTS, w, g.w},
            {DNNL_ARG_DIFF_SRC, grad_x, g.x});
}

void DnnlKernels::conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                         const Tensor& x, const Conv2dOptions& options) {
  if (!runs_on_dnnl({&grad_w, &grad_out, &x}))
    return RefKernels::conv2d_backward_weight(grad_w, grad_out, x, options);
  if (is_depthwise3x3_same(x.shape(), grad_w.shape(), options))
    return depthwise3x3_backward_weight(grad_w, grad_out, x);
  using BackwardWeight = ConvPrimitive<dnnl::convolution_backward_weights>;
  auto conv = PrimitiveCache<BackwardWeight>::get(
      conv_key(x.shape(), grad_w.shape(), grad_out.shape(), options, false), [&] {
        ConvGeometry g(x.shape(), grad_w.shape(), grad_out.shape(), options);
        // A 1x1 weight gradient over small planes sums few pixels per image:
        // blocked it measured 0.66 ms against 0.89 ms on NCHW (256->128, 8x8,
        // two threads); from 16x16 up NCHW was as fast or faster.
        if (x.size(2) * x.size(3) <= kSmallPlane) g.blocked = true;
        using bwd = dnnl::convolution_backward_weights;
        bwd::desc desc(dnnl::algorithm::convolution_direct, g.operand(g.x), g.operand(g.w),
                       g.operand(g.out), g.strides, g.dilates, g.padding_l, g.padding_r);
        bwd::primitive_desc pd(desc, primitive_attributes(), cpu_engine(), forward_pd(g, false));
        return make_conv<bwd>(g, pd, g.out, pd.diff_dst_desc(), g.x, pd.src_desc(),
                              pd.diff_weights_desc(), g.w);
      });
  const auto& g = conv->g;
  conv->run({DNNL_ARG_DIFF_DST, grad_out, g.out}, {DNNL_ARG_SRC, x, g.x},
            {DNNL_ARG_DIFF_WEIGHTS, grad_w, g.w});
}

}  // namespace chase

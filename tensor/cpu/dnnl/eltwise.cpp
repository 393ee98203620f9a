// Unary elementwise ops through oneDNN's eltwise primitive, for the ops it
// has, on contiguous tensors viewed as one flat vector. Broadcast or strided
// inputs and the other ops stay on the reference path. So does log: oneDNN's
// eltwise_log has an absolute error of ~3.4e-6 near x = 1 (measured against
// f64), which makes log(1 + d) for small d wrong in every digit, where the
// reference's std::log is within one ulp. exp, tanh, logistic and gelu_erf
// measured within 3.4 ulp or 4e-7 absolute, as accurate as the reference.
// relu and abs stay on the reference too: plain loops the compiler vectorises
// are as fast, and oneDNN's relu maps NaN to 0 where PyTorch (and we) keep it.
// GELU's gradient (BinaryOp::gelu_backward) runs as eltwise_gelu_erf's
// backward: the reference calls erf and exp one element at a time, the
// primitive vectorises them, and in a GELU network this was the largest
// single cost of a training step.
// Small tensors stay on the reference: below kMinElements the primitive's
// call and thread start-up cost more than the arithmetic.
#include <optional>

#include "tensor/cpu/dnnl/dnnl_kernels.h"
#include "tensor/cpu/dnnl/engine.h"

namespace chase {
namespace {

using namespace onednn;

constexpr std::int64_t kMinElements = 16384;

std::optional<dnnl::algorithm> eltwise_algorithm(UnaryOp op) {
  switch (op) {
    case UnaryOp::gelu: return dnnl::algorithm::eltwise_gelu_erf;  // exact gelu, as ours
    case UnaryOp::exp: return dnnl::algorithm::eltwise_exp;
    case UnaryOp::sqrt: return dnnl::algorithm::eltwise_sqrt;
    case UnaryOp::tanh: return dnnl::algorithm::eltwise_tanh;
    case UnaryOp::sigmoid: return dnnl::algorithm::eltwise_logistic;
    default: return std::nullopt;
  }
}

struct Eltwise {
  dnnl::eltwise_forward primitive;
};

struct EltwiseBackward {
  dnnl::eltwise_backward primitive;
};

bool flat_f32(std::initializer_list<const Tensor*> tensors, const Shape& shape) {
  for (const Tensor* t : tensors)
    if (t->dtype() != DType::f32 || !t->is_contiguous() || t->shape() != shape) return false;
  return numel(shape) >= kMinElements;
}

}  // namespace

void DnnlKernels::unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  const auto algorithm = eltwise_algorithm(op);
  if (!algorithm || !flat_f32({&out, &x}, out.shape())) return RefKernels::unary(op, out, x);
  const auto flat = plain_desc({out.numel()});
  CacheKey key{static_cast<std::int64_t>(*algorithm), out.numel()};
  auto eltwise = PrimitiveCache<Eltwise>::get(key, [&] {
    // These algorithms ignore alpha and beta.
    dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, *algorithm, flat, 0.f,
                                     0.f);
    return Eltwise{dnnl::eltwise_forward(
        dnnl::eltwise_forward::primitive_desc(desc, primitive_attributes(), cpu_engine()))};
  });
  execute(eltwise->primitive,
          {{DNNL_ARG_SRC, memory_of(flat, x)}, {DNNL_ARG_DST, memory_of(flat, out)}});
}

// out = a * gelu'(b): a is the incoming gradient, b the forward's input.
void DnnlKernels::binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (op != BinaryOp::gelu_backward || !flat_f32({&out, &a, &b}, out.shape()))
    return RefKernels::binary(op, out, a, b);
  const auto flat = plain_desc({out.numel()});
  CacheKey key{out.numel()};
  auto eltwise = PrimitiveCache<EltwiseBackward>::get(key, [&] {
    const auto algorithm = dnnl::algorithm::eltwise_gelu_erf;
    dnnl::eltwise_forward::primitive_desc hint(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, algorithm, flat, 0.f, 0.f),
        primitive_attributes(), cpu_engine());
    dnnl::eltwise_backward::desc desc(algorithm, flat, flat, 0.f, 0.f);
    return EltwiseBackward{dnnl::eltwise_backward(
        dnnl::eltwise_backward::primitive_desc(desc, primitive_attributes(), cpu_engine(), hint))};
  });
  execute(eltwise->primitive, {{DNNL_ARG_SRC, memory_of(flat, b)},
                               {DNNL_ARG_DIFF_DST, memory_of(flat, a)},
                               {DNNL_ARG_DIFF_SRC, memory_of(flat, out)}});
}

}  // namespace chase

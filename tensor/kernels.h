// The kernel interface: every computation a backend performs, on outputs that
// the caller (ops.cpp) has already allocated and inputs it has already checked.
// cpu/ref implements all of it for every dtype; cpu/dnnl overrides the f32 fast
// paths and falls back to the reference elsewhere; cuda/ implements all of it.
//
// Conventions: outputs first, then inputs, then parameters. Unless a comment
// says otherwise, tensors may be strided (views, stride-0 broadcasts); the
// "contiguous" ones are made so by the caller. Shapes are in the comments.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "tensor/options.h"
#include "tensor/tensor.h"

namespace chase {

enum class UnaryOp { neg, exp, log, sqrt, rsqrt, abs, sign, relu, gelu, sigmoid, tanh, erf };

enum class BinaryOp {
  add, sub, mul, div, pow, maximum, minimum,
  eq, ne, lt, le, gt, ge,  // 1 where true, 0 where false, in the output dtype
  gelu_backward,           // a * gelu'(b): grad_out * d gelu(x)/dx
  tanh_backward,           // a * (1 - b^2): grad_out * d tanh(x)/dx from the output b
  sigmoid_backward,        // a * b (1 - b): grad_out * d sigmoid(x)/dx from the output b
};

enum class ReduceOp { sum, mean, max, min, argmax, argmin };

// The op's name as errors and the ops API spell it ("gelu_backward", "argmax").
const char* name(UnaryOp op);
const char* name(BinaryOp op);
const char* name(ReduceOp op);

// Ops that need real numbers (exp, div, ...); the rest also run on i64.
constexpr bool needs_floating(UnaryOp op) {
  return !(op == UnaryOp::neg || op == UnaryOp::abs || op == UnaryOp::sign || op == UnaryOp::relu);
}
constexpr bool needs_floating(BinaryOp op) {
  return op == BinaryOp::div || op == BinaryOp::pow || op == BinaryOp::gelu_backward ||
         op == BinaryOp::tanh_backward || op == BinaryOp::sigmoid_backward;
}

// Calls f(std::integral_constant<UnaryOp, op>{}): the op as a compile-time
// constant, so that each op's loop (or kernel) is compiled on its own.
template <class F>
decltype(auto) visit_unary_op(UnaryOp op, F&& f) {
  switch (op) {
    case UnaryOp::neg: return f(std::integral_constant<UnaryOp, UnaryOp::neg>{});
    case UnaryOp::exp: return f(std::integral_constant<UnaryOp, UnaryOp::exp>{});
    case UnaryOp::log: return f(std::integral_constant<UnaryOp, UnaryOp::log>{});
    case UnaryOp::sqrt: return f(std::integral_constant<UnaryOp, UnaryOp::sqrt>{});
    case UnaryOp::rsqrt: return f(std::integral_constant<UnaryOp, UnaryOp::rsqrt>{});
    case UnaryOp::abs: return f(std::integral_constant<UnaryOp, UnaryOp::abs>{});
    case UnaryOp::sign: return f(std::integral_constant<UnaryOp, UnaryOp::sign>{});
    case UnaryOp::relu: return f(std::integral_constant<UnaryOp, UnaryOp::relu>{});
    case UnaryOp::gelu: return f(std::integral_constant<UnaryOp, UnaryOp::gelu>{});
    case UnaryOp::sigmoid: return f(std::integral_constant<UnaryOp, UnaryOp::sigmoid>{});
    case UnaryOp::tanh: return f(std::integral_constant<UnaryOp, UnaryOp::tanh>{});
    case UnaryOp::erf: return f(std::integral_constant<UnaryOp, UnaryOp::erf>{});
  }
  return f(std::integral_constant<UnaryOp, UnaryOp::neg>{});
}

// As visit_unary_op, for a BinaryOp.
template <class F>
decltype(auto) visit_binary_op(BinaryOp op, F&& f) {
  switch (op) {
    case BinaryOp::add: return f(std::integral_constant<BinaryOp, BinaryOp::add>{});
    case BinaryOp::sub: return f(std::integral_constant<BinaryOp, BinaryOp::sub>{});
    case BinaryOp::mul: return f(std::integral_constant<BinaryOp, BinaryOp::mul>{});
    case BinaryOp::div: return f(std::integral_constant<BinaryOp, BinaryOp::div>{});
    case BinaryOp::pow: return f(std::integral_constant<BinaryOp, BinaryOp::pow>{});
    case BinaryOp::maximum: return f(std::integral_constant<BinaryOp, BinaryOp::maximum>{});
    case BinaryOp::minimum: return f(std::integral_constant<BinaryOp, BinaryOp::minimum>{});
    case BinaryOp::eq: return f(std::integral_constant<BinaryOp, BinaryOp::eq>{});
    case BinaryOp::ne: return f(std::integral_constant<BinaryOp, BinaryOp::ne>{});
    case BinaryOp::lt: return f(std::integral_constant<BinaryOp, BinaryOp::lt>{});
    case BinaryOp::le: return f(std::integral_constant<BinaryOp, BinaryOp::le>{});
    case BinaryOp::gt: return f(std::integral_constant<BinaryOp, BinaryOp::gt>{});
    case BinaryOp::ge: return f(std::integral_constant<BinaryOp, BinaryOp::ge>{});
    case BinaryOp::gelu_backward:
      return f(std::integral_constant<BinaryOp, BinaryOp::gelu_backward>{});
    case BinaryOp::tanh_backward:
      return f(std::integral_constant<BinaryOp, BinaryOp::tanh_backward>{});
    case BinaryOp::sigmoid_backward:
      return f(std::integral_constant<BinaryOp, BinaryOp::sigmoid_backward>{});
  }
  return f(std::integral_constant<BinaryOp, BinaryOp::add>{});
}

// The value a reduction writes for a row of no elements: the empty sum is 0
// and the empty mean 0/0 = NaN, as in PyTorch. Throws for the others (the ops
// reject max/min/argmax/argmin over nothing before a kernel runs).
double empty_reduction_value(ReduceOp op);

class Kernels {
 public:
  virtual ~Kernels() = default;

  // ---- creation and copies -------------------------------------------------
  // dst and src have the same shape; dtypes may differ (converted).
  virtual void copy(const Tensor& dst, const Tensor& src) = 0;
  virtual void fill(const Tensor& dst, double value) = 0;
  // dst (contiguous, 1-d) [n]: dst[i] = start + i * step
  virtual void arange(const Tensor& dst, double start, double step) = 0;
  // Counter-based (Philox 4x32-10): element i of dst (contiguous) takes the
  // random number with counter offset + i, so results do not depend on the
  // thread count or the device.
  virtual void uniform(const Tensor& dst, double low, double high, std::uint64_t seed,
                       std::uint64_t offset) = 0;
  virtual void normal(const Tensor& dst, double mean, double stddev, std::uint64_t seed,
                      std::uint64_t offset) = 0;

  // ---- elementwise: inputs expanded to out's shape ---------------------------
  virtual void unary(UnaryOp op, const Tensor& out, const Tensor& x) = 0;
  virtual void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) = 0;
  // out = cond != 0 ? a : b
  virtual void where(const Tensor& out, const Tensor& cond, const Tensor& a,
                     const Tensor& b) = 0;

  // ---- reductions -------------------------------------------------------------
  // out (contiguous) [M, N], x (contiguous) [M, R, N]: reduce over the middle
  // dim (N == 1: each row of R elements; N > 1: columns, as for a leading dim).
  // argmax/argmin write i64 indices in [0, R); the first extremum wins.
  virtual void reduce(ReduceOp op, const Tensor& out, const Tensor& x) = 0;

  // ---- linear algebra ---------------------------------------------------------
  // out (contiguous) [B, M, N] = a [B, M, K] @ b [B, K, N]; a, b strided
  // (transposed views and stride-0 batch broadcasts are fine).
  virtual void matmul(const Tensor& out, const Tensor& a, const Tensor& b) = 0;

  // ---- convolution (all contiguous NCHW) ------------------------------------------
  // out [N, Co, Ho, Wo], x [N, Ci, H, W], w [Co, Ci/groups, Kh, Kw], bias [Co] or undefined
  virtual void conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                      const Conv2dOptions& options) = 0;
  // grad_x [N, Ci, H, W] = conv2d's input gradient
  virtual void conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out,
                                     const Tensor& w, const Conv2dOptions& options) = 0;
  // grad_w [Co, Ci/groups, Kh, Kw] = conv2d's weight gradient (overwritten, not accumulated)
  virtual void conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                      const Tensor& x, const Conv2dOptions& options) = 0;

  // ---- pooling (all contiguous NCHW) ------------------------------------------------
  // indices (i64) [N, C, Ho, Wo]: position h * W + w of each maximum in its plane
  virtual void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x,
                          const Pool2dOptions& options) = 0;
  virtual void max_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                   const Tensor& indices) = 0;
  virtual void avg_pool2d(const Tensor& out, const Tensor& x, const Pool2dOptions& options) = 0;
  virtual void avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out,
                                   const Pool2dOptions& options) = 0;
  // Output bins as PyTorch: bin i covers [floor(i*H/Ho), ceil((i+1)*H/Ho)).
  virtual void adaptive_avg_pool2d(const Tensor& out, const Tensor& x) = 0;
  virtual void adaptive_avg_pool2d_backward(const Tensor& grad_x, const Tensor& grad_out) = 0;

  // ---- normalisation (all contiguous) ---------------------------------------------------
  // x [N, C, *]; mean, invstd [C] written (biased variance, as used for normalising);
  // weight, bias [C] or undefined.
  virtual void batch_norm(const Tensor& out, const Tensor& mean, const Tensor& invstd,
                          const Tensor& x, const Tensor& weight, const Tensor& bias,
                          double eps) = 0;
  virtual void batch_norm_inference(const Tensor& out, const Tensor& x, const Tensor& weight,
                                    const Tensor& bias, const Tensor& running_mean,
                                    const Tensor& running_var, double eps) = 0;
  // Training-mode backward with the saved statistics. grad_weight/grad_bias may be
  // undefined (no affine parameters).
  virtual void batch_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                   const Tensor& grad_bias, const Tensor& grad_out,
                                   const Tensor& x, const Tensor& weight, const Tensor& mean,
                                   const Tensor& invstd) = 0;
  // x [M, N] normalised over N; mean, rstd [M]; weight, bias [N] or undefined.
  virtual void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                          const Tensor& x, const Tensor& weight, const Tensor& bias,
                          double eps) = 0;
  virtual void layer_norm_backward(const Tensor& grad_x, const Tensor& grad_weight,
                                   const Tensor& grad_bias, const Tensor& grad_out,
                                   const Tensor& x, const Tensor& weight, const Tensor& mean,
                                   const Tensor& rstd) = 0;

  // ---- softmax (contiguous, viewed as [outer, D, inner], normalised over D) ----------------
  virtual void softmax(const Tensor& out, const Tensor& x, std::int64_t dim, bool log) = 0;
  // From the forward's output y: softmax: gx = y * (g - sum(g*y)); log: gx = g - exp(y) * sum(g)
  virtual void softmax_backward(const Tensor& grad_x, const Tensor& grad_out, const Tensor& y,
                                std::int64_t dim, bool log) = 0;

  // ---- indexing (contiguous; index is i64) -------------------------------------------------
  // out[..., i, ...] = x[..., index[..., i, ...], ...] along dim; index has out's shape
  virtual void gather(const Tensor& out, const Tensor& x, std::int64_t dim,
                      const Tensor& index) = 0;
  // out[..., index[..., i, ...], ...] += src[..., i, ...] along dim (gather's adjoint)
  virtual void scatter_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                           const Tensor& src) = 0;
  // out = x.select(dim, index[j]) stacked along dim; index 1-d
  virtual void index_select(const Tensor& out, const Tensor& x, std::int64_t dim,
                            const Tensor& index) = 0;
  // out.select(dim, index[j]) += src.select(dim, j) (index_select's adjoint)
  virtual void index_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                         const Tensor& src) = 0;

  // ---- optimizer (contiguous, one shape and dtype) -----------------------------------------
  // One SGD update in a single pass (tensor/sgd_rule.h). momentum_out is
  // undefined when options.momentum is 0; momentum is undefined then and on a
  // buffer's first step.
  virtual void sgd_step(const Tensor& param_out, const Tensor& momentum_out, const Tensor& param,
                        const Tensor& grad, const Tensor& momentum,
                        const SgdStepOptions& options) = 0;
};

// The reference CPU kernels: plain loops + OpenMP, every dtype. The oracle.
Kernels& reference_kernels();
// The kernels ops on `device` run: on the CPU, oneDNN (when built and selected)
// with reference fallback; on CUDA, the CUDA backend (throws when not built).
Kernels& kernels_for(Device device);
// Installed by the CUDA backend when it is linked in.
void register_cuda_kernels(Kernels* kernels);

// Which CPU kernels ops use. oneDNN is the default where it is built; tests
// switch to the reference to compare.
enum class CpuBackend { reference, dnnl };
CpuBackend cpu_backend();
void set_cpu_backend(CpuBackend backend);
bool dnnl_available();

class ScopedCpuBackend {
 public:
  explicit ScopedCpuBackend(CpuBackend backend) : previous_(cpu_backend()) {
    set_cpu_backend(backend);
  }
  ~ScopedCpuBackend() { set_cpu_backend(previous_); }
  ScopedCpuBackend(const ScopedCpuBackend&) = delete;
  ScopedCpuBackend& operator=(const ScopedCpuBackend&) = delete;

 private:
  CpuBackend previous_;
};

}  // namespace chase

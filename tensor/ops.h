// The op list: every tensor operation of chase, as free functions over Tensor.
// Each op checks its arguments (errors name the op and show expected vs actual),
// allocates its output and dispatches to the kernels of the tensor's device
// (kernels.h). Autograd (autograd/) wraps these; it never calls kernels itself.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tensor/options.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace chase {

// ===== creation =================================================================
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
            Device device = Device::cpu());
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::f32,
              Device device = Device::cpu());
Tensor uniform(const Shape& shape, double low, double high, Generator& gen,
               DType dtype = DType::f32, Device device = Device::cpu());
Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen,
              DType dtype = DType::f32, Device device = Device::cpu());

// In place: fill, copy (src broadcast to dst's shape, dtype converted).
void fill_(const Tensor& dst, double value);
void copy_(const Tensor& dst, const Tensor& src);
void uniform_(const Tensor& dst, double low, double high, Generator& gen);
void normal_(const Tensor& dst, double mean, double stddev, Generator& gen);

// Kaiming (He) initialisation for a weight whose fan_in is dim 1 times the
// receptive field (dims 2..): PyTorch's kaiming_normal_ / kaiming_uniform_ with
// the given gain (sqrt(2) for ReLU). PyTorch's default for Linear/Conv is
// kaiming_uniform_ with gain sqrt(2 / (1 + 5)) = 1/sqrt(3).
std::int64_t fan_in(const Tensor& weight);
void kaiming_normal_(const Tensor& weight, Generator& gen, double gain = 1.4142135623730951);
void kaiming_uniform_(const Tensor& weight, Generator& gen, double gain = 1.4142135623730951);

// ===== elementwise (NumPy broadcasting) ============================================
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);  // exact: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor erf(const Tensor& x);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor pow(const Tensor& a, double exponent);
// Comparisons give 1/0 in a's dtype.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, std::optional<double> low, std::optional<double> high);
// The gradients of gelu, tanh and sigmoid in one pass each: grad_out * gelu'(x)
// from the input x; grad_out * (1 - y^2) and grad_out * y (1 - y) from the
// output y.
Tensor gelu_backward(const Tensor& grad_out, const Tensor& x);
Tensor tanh_backward(const Tensor& grad_out, const Tensor& y);
Tensor sigmoid_backward(const Tensor& grad_out, const Tensor& y);

// ===== reductions over any set of dims (empty dims = all) ==============================
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
// correction = 1 is the unbiased (Bessel) estimate, 0 the population variance.
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims = {}, std::int64_t correction = 1,
           bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);  // i64
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);  // i64
// Sums x down to `shape` (the inverse of broadcasting `shape` to x's shape).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ===== linear algebra =============================================================
// [M, K] @ [K, N]; [B, M, K] @ [B, K, N] (batch dims broadcast); 1-d operands as PyTorch.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);  // exactly [B, M, K] @ [B, K, N]

// ===== convolution and pooling (NCHW) ================================================
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias = {},
              const Conv2dOptions& options = {});
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& w, const Shape& input_shape,
                             const Conv2dOptions& options);
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                              const Conv2dOptions& options);
Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dOptions& options);

struct MaxPoolResult {
  Tensor out;
  Tensor indices;  // i64, flat h * W + w within each plane
};
MaxPoolResult max_pool2d(const Tensor& x, const Pool2dOptions& options);
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_shape);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape,
                           const Pool2dOptions& options);
Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape);
Tensor global_avg_pool2d(const Tensor& x);  // [N, C, H, W] -> [N, C, 1, 1]

// ===== normalisation ===============================================================
struct NormResult {
  Tensor out;
  Tensor mean;    // batch norm: [C]; layer norm: [M] (rows)
  Tensor invstd;  // 1 / sqrt(biased var + eps), same shape as mean
};
// x [N, C, *]; weight, bias [C] or undefined. Statistics over all dims but C.
NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);
Tensor batch_norm_inference(const Tensor& x, const Tensor& weight, const Tensor& bias,
                            const Tensor& running_mean, const Tensor& running_var, double eps);
struct NormGrads {
  Tensor x, weight, bias;  // weight/bias undefined when the forward had none
};
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& invstd);
// Normalises over the last `normalized_dims` dims; weight, bias of that trailing shape or undefined.
NormResult layer_norm(const Tensor& x, std::int64_t normalized_dims, const Tensor& weight,
                      const Tensor& bias, double eps);
NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, std::int64_t normalized_dims,
                              const Tensor& weight, const Tensor& mean, const Tensor& invstd);

// ===== softmax ===================================================================
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);
Tensor softmax_backward(const Tensor& grad_out, const Tensor& y, std::int64_t dim);
Tensor log_softmax_backward(const Tensor& grad_out, const Tensor& y, std::int64_t dim);

// ===== joining, splitting, indexing ===================================================
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& base, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& base, std::int64_t dim, const Tensor& index, const Tensor& src);

// ===== optimizer ==========================================================================
// One SGD step of a parameter in a single fused pass (tensor/sgd_rule.h has
// the rule): the parameter's next value and its momentum buffer's. Pass an
// undefined `momentum_buffer` on the buffer's first step; with
// options.momentum 0 there is no buffer and the result's is undefined.
// Inputs are not modified.
struct SgdStepResult {
  Tensor param;
  Tensor momentum_buffer;
};
SgdStepResult sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer,
                       const SgdStepOptions& options);

// ===== comparisons for tests ==============================================================
// max |a - b| over all elements (shapes must match).
double max_abs_diff(const Tensor& a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

}  // namespace chase

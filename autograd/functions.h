// Differentiable functions over Variables: one per differentiable op of
// tensor/ops.h and per view of Tensor, with the same names and arguments.
// Forward calls tensor/ops.h; backward uses the dedicated backward ops where
// ops.h has them (conv, pooling, norms, softmax, gelu) and composition of ops
// elsewhere. Broadcasting inputs get their gradient summed back with sum_to.
// Backward is first order: it runs tensor ops, which record no graph.
// Integer arguments (indices, labels) are plain Tensors: they get no gradient.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "autograd/variable.h"
#include "tensor/options.h"

namespace chase {

// ===== elementwise (NumPy broadcasting) ============================================
Variable neg(const Variable& x);
Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable sqrt(const Variable& x);
Variable rsqrt(const Variable& x);
Variable abs(const Variable& x);
Variable sign(const Variable& x);  // gradient zero almost everywhere
Variable relu(const Variable& x);
Variable gelu(const Variable& x);  // exact (erf) form
Variable sigmoid(const Variable& x);
Variable tanh(const Variable& x);
Variable erf(const Variable& x);

Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable pow(const Variable& a, const Variable& b);  // d/db needs a > 0
// At ties the gradient is split equally between a and b.
Variable maximum(const Variable& a, const Variable& b);
Variable minimum(const Variable& a, const Variable& b);
Variable add(const Variable& a, double b);
Variable sub(const Variable& a, double b);
Variable mul(const Variable& a, double b);
Variable div(const Variable& a, double b);
Variable pow(const Variable& a, double exponent);
// cond (any dtype, non-zero = true) broadcasts with a and b.
Variable where(const Tensor& cond, const Variable& a, const Variable& b);
// The gradient passes where low <= x <= high.
Variable clamp(const Variable& x, std::optional<double> low, std::optional<double> high);

Variable operator-(const Variable& x);
Variable operator+(const Variable& a, const Variable& b);
Variable operator-(const Variable& a, const Variable& b);
Variable operator*(const Variable& a, const Variable& b);
Variable operator/(const Variable& a, const Variable& b);
Variable operator+(const Variable& a, double b);
Variable operator-(const Variable& a, double b);
Variable operator*(const Variable& a, double b);
Variable operator/(const Variable& a, double b);
Variable operator+(double a, const Variable& b);
Variable operator-(double a, const Variable& b);
Variable operator*(double a, const Variable& b);
Variable operator/(double a, const Variable& b);

// ===== reductions over any set of dims (empty dims = all) ==============================
Variable sum(const Variable& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Variable mean(const Variable& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
// At ties the gradient is split equally among the extremal elements.
Variable max(const Variable& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Variable min(const Variable& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Variable var(const Variable& x, const std::vector<std::int64_t>& dims = {},
             std::int64_t correction = 1, bool keepdim = false);
Variable sum_to(const Variable& x, const Shape& shape);

// ===== linear algebra =============================================================
Variable matmul(const Variable& a, const Variable& b);
Variable bmm(const Variable& a, const Variable& b);

// ===== convolution and pooling (NCHW) ================================================
// bias may be an undefined Variable.
Variable conv2d(const Variable& x, const Variable& w, const Variable& bias = {},
                const Conv2dOptions& options = {});
Variable max_pool2d(const Variable& x, const Pool2dOptions& options);
Variable avg_pool2d(const Variable& x, const Pool2dOptions& options);
Variable adaptive_avg_pool2d(const Variable& x, Pair output_size);
Variable global_avg_pool2d(const Variable& x);

// ===== normalisation ===============================================================
// Training mode: normalises with the batch statistics, which are returned too
// (mean and 1 / sqrt(biased var + eps), per channel) for the caller's running
// averages. weight, bias may be undefined Variables.
struct BatchNormOutput {
  Variable out;
  Tensor mean;
  Tensor invstd;
};
BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                           double eps);
// Inference mode with fixed running statistics, composed of elementwise ops.
Variable batch_norm_inference(const Variable& x, const Variable& weight, const Variable& bias,
                              const Tensor& running_mean, const Tensor& running_var, double eps);
Variable layer_norm(const Variable& x, std::int64_t normalized_dims, const Variable& weight,
                    const Variable& bias, double eps);

// ===== softmax and losses ===========================================================
Variable softmax(const Variable& x, std::int64_t dim);
Variable log_softmax(const Variable& x, std::int64_t dim);
// logits [N, C], target (i64) [N] of class indices in [0, C): the mean over the
// batch of -log_softmax(logits)[n, target[n]]; stable for any logit magnitude.
Variable cross_entropy(const Variable& logits, const Tensor& target);

// ===== views (share the input's memory) and copies =========================================
Variable view(const Variable& x, Shape shape);
Variable reshape(const Variable& x, Shape shape);
Variable flatten(const Variable& x, std::int64_t start = 0, std::int64_t end = -1);
Variable permute(const Variable& x, const std::vector<std::int64_t>& order);
Variable transpose(const Variable& x, std::int64_t d0, std::int64_t d1);
Variable narrow(const Variable& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Variable slice(const Variable& x, std::int64_t dim, std::int64_t start, std::int64_t end,
               std::int64_t step = 1);
Variable select(const Variable& x, std::int64_t dim, std::int64_t index);
Variable expand(const Variable& x, const Shape& shape);
Variable squeeze(const Variable& x, std::int64_t dim);
Variable unsqueeze(const Variable& x, std::int64_t dim);
Variable contiguous(const Variable& x);

// ===== joining, splitting, indexing ===================================================
Variable concat(const std::vector<Variable>& xs, std::int64_t dim);
std::vector<Variable> split(const Variable& x, const std::vector<std::int64_t>& sizes,
                            std::int64_t dim);
Variable stack(const std::vector<Variable>& xs, std::int64_t dim);
Variable gather(const Variable& x, std::int64_t dim, const Tensor& index);
Variable scatter_add(const Variable& base, std::int64_t dim, const Tensor& index,
                     const Variable& src);
Variable index_select(const Variable& x, std::int64_t dim, const Tensor& index);
Variable index_add(const Variable& base, std::int64_t dim, const Tensor& index,
                   const Variable& src);

}  // namespace chase

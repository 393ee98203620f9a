// Reductions over any set of dims. Every one becomes the kernel's row reduction:
// the kept dims are moved first and the reduced dims last (both in their
// original order, so an already-trailing reduction needs no copy), the result is
// made contiguous and viewed as [M, R], and the [M] result is reshaped back.
//
// Reducing over zero elements: sum gives 0 and mean NaN (0/0), as in PyTorch;
// max, min, argmax and argmin have no answer and throw.
#include <algorithm>
#include <cmath>

#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace chase {
namespace {

// Which dims of a `ndim`-dim tensor are reduced: all when `dims` is empty.
std::vector<bool> reduced_mask(const char* op, std::int64_t ndim,
                               const std::vector<std::int64_t>& dims) {
  std::vector<bool> reduced(static_cast<std::size_t>(ndim), dims.empty());
  for (auto dim : dims) {
    auto d = normalize_dim(dim, ndim, op);
    CHASE_CHECK(!reduced[d], "{}: dim {} appears twice in dims {}", op, d, to_string(dims));
    reduced[d] = true;
  }
  return reduced;
}

Tensor reduce_op(ReduceOp kernel_op, const Tensor& x, const std::vector<std::int64_t>& dims,
                 bool keepdim) {
  const char* op = name(kernel_op);
  CHASE_CHECK(x.defined(), "{}: got an undefined tensor", op);
  auto reduced = reduced_mask(op, x.dim(), dims);
  std::vector<std::int64_t> order;
  Shape out_shape, kept_shape;
  std::int64_t rows = 1, length = 1;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (reduced[d]) continue;
    order.push_back(d);
    kept_shape.push_back(x.size(d));
    rows *= x.size(d);
  }
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (reduced[d]) {
      order.push_back(d);
      length *= x.size(d);
    }
    if (keepdim) out_shape.push_back(reduced[d] ? 1 : x.size(d));
  }
  if (!keepdim) out_shape = kept_shape;
  CHASE_CHECK(length > 0 || rows == 0 || kernel_op == ReduceOp::sum || kernel_op == ReduceOp::mean,
              "{}: cannot reduce over zero elements (shape {}, dims {})", op, to_string(x.shape()),
              to_string(dims));

  const bool gives_index = kernel_op == ReduceOp::argmax || kernel_op == ReduceOp::argmin;
  Tensor out = Tensor::empty({rows}, gives_index ? DType::i64 : x.dtype(), x.device());
  Tensor matrix = x.permute(order).contiguous().view({rows, length});
  kernels_for(x.device()).reduce(kernel_op, out, matrix);
  return out.view(out_shape);
}

Tensor arg_op(ReduceOp kernel_op, const Tensor& x, std::int64_t dim, bool keepdim) {
  const char* op = name(kernel_op);
  CHASE_CHECK(x.defined(), "{}: got an undefined tensor", op);
  return reduce_op(kernel_op, x, {normalize_dim(dim, x.dim(), op)}, keepdim);
}

void require_floating(const char* op, const Tensor& x) {
  CHASE_CHECK(x.defined(), "{}: got an undefined tensor", op);
  CHASE_CHECK(is_floating(x.dtype()), "{}: needs a floating dtype (f32 or f64), got {}", op,
              name(x.dtype()));
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce_op(ReduceOp::sum, x, dims, keepdim);
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  require_floating("mean", x);
  return reduce_op(ReduceOp::mean, x, dims, keepdim);
}

Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce_op(ReduceOp::max, x, dims, keepdim);
}

Tensor min(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce_op(ReduceOp::min, x, dims, keepdim);
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  return arg_op(ReduceOp::argmax, x, dim, keepdim);
}

Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  return arg_op(ReduceOp::argmin, x, dim, keepdim);
}

// Two passes, sum((x - mean)^2) / (N - correction): the one-pass formula
// E[x^2] - E[x]^2 cancels catastrophically when the mean is large. With
// N <= correction the division is by zero or less, giving inf or NaN as PyTorch does.
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, std::int64_t correction,
           bool keepdim) {
  require_floating("var", x);
  CHASE_CHECK(correction >= 0, "var: correction must be >= 0, got {}", correction);
  auto reduced = reduced_mask("var", x.dim(), dims);
  std::int64_t count = 1;
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (reduced[d]) count *= x.size(d);
  Tensor centered = sub(x, mean(x, dims, /*keepdim=*/true));
  Tensor squares = sum(mul(centered, centered), dims, keepdim);
  return div(squares, static_cast<double>(std::max<std::int64_t>(count - correction, 0)));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  CHASE_CHECK(x.defined(), "sum_to: got an undefined tensor");
  const auto lead = x.dim() - std::ssize(shape);
  bool broadcasts = lead >= 0;
  for (std::int64_t i = 0; broadcasts && i < std::ssize(shape); ++i)
    broadcasts = shape[i] == 1 || shape[i] == x.size(lead + i);
  CHASE_CHECK(broadcasts, "sum_to: shape {} does not broadcast to the tensor's shape {}",
              to_string(shape), to_string(x.shape()));
  std::vector<std::int64_t> dims;
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.size(d) != 1)) dims.push_back(d);
  // Nothing to sum (shapes equal up to leading 1s): x itself, viewed as `shape`.
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, /*keepdim=*/true).view(shape);
}

}  // namespace chase

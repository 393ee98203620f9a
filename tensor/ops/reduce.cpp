// Reductions over any set of dims. Every one becomes the kernel's reduction
// of the middle dim of a contiguous [M, R, N] view, with no copy when the
// reduced dims are neighbours (a leading batch dim, the trailing features):
// size-1 dims are dropped and the rest merged into runs of kept and of
// reduced dims. Where reduced runs are separated by kept ones (the batch and
// spatial dims around NCHW's channels), they are reduced one after another,
// the last first: each step is again a middle-dim reduction, and sum, mean,
// max and min of the parts give those of the whole.
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

// Neighbouring dims that are all kept or all reduced, as one.
struct Run {
  std::int64_t size;
  bool reduced;
};

std::vector<Run> runs_of(const Shape& shape, const std::vector<bool>& reduced) {
  std::vector<Run> runs;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!runs.empty() && runs.back().reduced == reduced[d])
      runs.back().size *= shape[d];
    else
      runs.push_back({shape[d], reduced[d]});
  }
  return runs;
}

// Reduces the last reduced run of the contiguous x (laid out as `runs`) and
// removes it from `runs`.
Tensor reduce_last_run(ReduceOp kernel_op, const Tensor& x, std::vector<Run>& runs) {
  auto last = std::find_if(runs.rbegin(), runs.rend(), [](const Run& r) { return r.reduced; });
  const auto at = std::prev(last.base());
  std::int64_t outer = 1, inner = 1;
  for (auto it = runs.begin(); it != at; ++it) outer *= it->size;
  for (auto it = std::next(at); it != runs.end(); ++it) inner *= it->size;
  const bool gives_index = kernel_op == ReduceOp::argmax || kernel_op == ReduceOp::argmin;
  Tensor out = Tensor::empty({outer, inner}, gives_index ? DType::i64 : x.dtype(), x.device());
  kernels_for(x.device()).reduce(kernel_op, out, x.view({outer, at->size, inner}));
  // The kept runs on either side of the removed one become neighbours.
  const bool merge = at != runs.begin() && std::next(at) != runs.end();
  if (merge) std::prev(at)->size *= std::next(at)->size;
  runs.erase(at, merge ? std::next(at, 2) : std::next(at));
  return out;
}

Tensor reduce_op(ReduceOp kernel_op, const Tensor& x, const std::vector<std::int64_t>& dims,
                 bool keepdim) {
  const char* op = name(kernel_op);
  CHASE_CHECK(x.defined(), "{}: got an undefined tensor", op);
  const auto reduced = reduced_mask(op, x.dim(), dims);
  Shape out_shape;
  std::int64_t length = 1;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (reduced[d]) length *= x.size(d);
    if (keepdim || !reduced[d]) out_shape.push_back(reduced[d] ? 1 : x.size(d));
  }
  CHASE_CHECK(length > 0 || numel(out_shape) == 0 || kernel_op == ReduceOp::sum ||
                  kernel_op == ReduceOp::mean,
              "{}: cannot reduce over zero elements (shape {}, dims {})", op, to_string(x.shape()),
              to_string(dims));

  auto runs = runs_of(x.shape(), reduced);
  // Nothing left to reduce (no reduced dims, or only size-1 ones): one
  // reduction of length 1 still gives argmax its zeros and a fresh output.
  if (std::none_of(runs.begin(), runs.end(), [](const Run& r) { return r.reduced; }))
    runs.push_back({1, true});
  Tensor out = x.contiguous();
  do {
    out = reduce_last_run(kernel_op, out, runs);
  } while (std::any_of(runs.begin(), runs.end(), [](const Run& r) { return r.reduced; }));
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

// Reductions. Backward broadcasts the output's gradient back over the reduced
// dims: with keepdim = false those dims are first re-inserted as size 1.
#include <algorithm>

#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {

using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;

// The reduced dims, normalised and sorted; empty means all of them.
std::vector<std::int64_t> reduced_dims(const std::vector<std::int64_t>& dims, std::int64_t ndim,
                                       const char* op) {
  std::vector<std::int64_t> result;
  if (dims.empty()) {
    for (std::int64_t d = 0; d < ndim; ++d) result.push_back(d);
    return result;
  }
  for (auto d : dims) result.push_back(normalize_dim(d, ndim, op));
  std::sort(result.begin(), result.end());
  return result;
}

// A reduction's output (or its gradient) in the keepdim layout: size 1 on the reduced dims.
Tensor with_kept_dims(const Tensor& t, const std::vector<std::int64_t>& sorted_dims,
                      bool keepdim) {
  if (keepdim) return t;
  Tensor kept = t;
  for (auto d : sorted_dims) kept = kept.unsqueeze(d);
  return kept;
}

std::int64_t reduced_count(const Shape& shape, const std::vector<std::int64_t>& sorted_dims) {
  std::int64_t count = 1;
  for (auto d : sorted_dims) count *= shape[d];
  return count;
}

// max and min: the gradient goes to the elements equal to the extremum, split
// equally among ties (PyTorch's amax/amin rule).
Variable extremum(const char* op, const Variable& x, const std::vector<std::int64_t>& dims,
                  bool keepdim, bool take_max) {
  const Tensor& xv = value_of(x, op);
  Tensor y = take_max ? max(xv, dims, keepdim) : min(xv, dims, keepdim);
  auto sorted = reduced_dims(dims, xv.dim(), op);
  return record(op, y, {x}, [xv, y, sorted, keepdim](const Tensor& g, const Needs&) {
    Tensor is_extremum = eq(xv, with_kept_dims(y, sorted, keepdim).expand(xv.shape()));
    Tensor ties = sum(is_extremum, sorted, true);
    Tensor share = div(with_kept_dims(g, sorted, keepdim), ties);
    return Grads{mul(is_extremum, share)};
  });
}

}  // namespace

Variable sum(const Variable& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  const Tensor& xv = value_of(x, "sum");
  Tensor y = sum(xv, dims, keepdim);
  auto sorted = reduced_dims(dims, xv.dim(), "sum");
  return record("sum", y, {x},
                [shape = xv.shape(), sorted, keepdim](const Tensor& g, const Needs&) {
                  return Grads{with_kept_dims(g, sorted, keepdim).expand(shape)};
                });
}

Variable mean(const Variable& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  const Tensor& xv = value_of(x, "mean");
  Tensor y = mean(xv, dims, keepdim);
  auto sorted = reduced_dims(dims, xv.dim(), "mean");
  auto count = static_cast<double>(reduced_count(xv.shape(), sorted));
  return record("mean", y, {x},
                [shape = xv.shape(), sorted, keepdim, count](const Tensor& g, const Needs&) {
                  return Grads{div(with_kept_dims(g, sorted, keepdim), count).expand(shape)};
                });
}

Variable max(const Variable& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return extremum("max", x, dims, keepdim, true);
}

Variable min(const Variable& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return extremum("min", x, dims, keepdim, false);
}

Variable var(const Variable& x, const std::vector<std::int64_t>& dims, std::int64_t correction,
             bool keepdim) {
  const Tensor& xv = value_of(x, "var");
  Tensor y = var(xv, dims, correction, keepdim);
  auto sorted = reduced_dims(dims, xv.dim(), "var");
  auto count = reduced_count(xv.shape(), sorted);
  // var = sum((x - mean)^2) / (n - correction); the mean's own gradient term
  // vanishes because sum(x - mean) = 0, leaving 2 (x - mean) / (n - correction).
  auto scale = 2.0 / static_cast<double>(count - correction);
  return record("var", y, {x}, [xv, sorted, keepdim, scale](const Tensor& g, const Needs&) {
    Tensor centred = sub(xv, mean(xv, sorted, true));
    return Grads{mul(centred, mul(with_kept_dims(g, sorted, keepdim), scale))};
  });
}

Variable sum_to(const Variable& x, const Shape& shape) {
  const Tensor& xv = value_of(x, "sum_to");
  // sum_to is the adjoint of broadcasting: its gradient broadcasts back.
  return record("sum_to", sum_to(xv, shape), {x},
                [shape = xv.shape()](const Tensor& g, const Needs&) {
                  return Grads{g.expand(shape)};
                });
}

}  // namespace chase

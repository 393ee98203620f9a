// Pooling: max pooling routes the gradient to the saved argmax positions; the
// average poolings spread it evenly over each window.
#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {
using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;
}  // namespace

Variable max_pool2d(const Variable& x, const Pool2dOptions& options) {
  const Tensor& xv = value_of(x, "max_pool2d");
  auto pooled = max_pool2d(xv, options);
  return record("max_pool2d", pooled.out, {x},
                [indices = pooled.indices, shape = xv.shape()](const Tensor& g, const Needs&) {
                  return Grads{max_pool2d_backward(g, indices, shape)};
                });
}

Variable avg_pool2d(const Variable& x, const Pool2dOptions& options) {
  const Tensor& xv = value_of(x, "avg_pool2d");
  return record("avg_pool2d", avg_pool2d(xv, options), {x},
                [options, shape = xv.shape()](const Tensor& g, const Needs&) {
                  return Grads{avg_pool2d_backward(g, shape, options)};
                });
}

Variable adaptive_avg_pool2d(const Variable& x, Pair output_size) {
  const Tensor& xv = value_of(x, "adaptive_avg_pool2d");
  return record("adaptive_avg_pool2d", adaptive_avg_pool2d(xv, output_size), {x},
                [shape = xv.shape()](const Tensor& g, const Needs&) {
                  return Grads{adaptive_avg_pool2d_backward(g, shape)};
                });
}

Variable global_avg_pool2d(const Variable& x) {
  const Tensor& xv = value_of(x, "global_avg_pool2d");
  Tensor y = global_avg_pool2d(xv);
  // y [N, C, 1, 1] is the mean over H * W: each input gets grad_out / (H W).
  return record("global_avg_pool2d", y, {x}, [shape = xv.shape()](const Tensor& g, const Needs&) {
    auto plane = static_cast<double>(shape[2] * shape[3]);
    return Grads{div(g, plane).expand(shape)};
  });
}

}  // namespace chase

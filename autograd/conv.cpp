// 2-d convolution (with groups, stride, padding, dilation). Its input and weight
// gradients are the dedicated backward ops of tensor/ops.h; the bias gradient
// sums grad_out over the batch and the spatial dims.
#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {

Variable conv2d(const Variable& x, const Variable& w, const Variable& bias,
                const Conv2dOptions& options) {
  const Tensor &xv = value_of(x, "conv2d"), &wv = value_of(w, "conv2d");
  Tensor y = conv2d(xv, wv, optional_value(bias), options);
  return record(
      "conv2d", y, {x, w, bias},
      [options, sx = xv.shape(), sw = wv.shape(), xv = keep_if(w.requires_grad(), xv),
       wv = keep_if(x.requires_grad(), wv)](const Tensor& g, const std::vector<bool>& needs) {
        // g: [N, Co, Ho, Wo]
        return std::vector<Tensor>{
            needs[0] ? conv2d_backward_input(g, wv, sx, options) : Tensor(),
            needs[1] ? conv2d_backward_weight(g, xv, sw, options) : Tensor(),
            needs[2] ? sum(g, {0, 2, 3}) : Tensor()};
      });
}

}  // namespace chase

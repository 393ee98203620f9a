// Depthwise 3x3 convolutions with stride 1, padding 1 and dilation 1 on plain
// NCHW f32, all three passes, as hand-written loops beside oneDNN. oneDNN 2.6
// runs depthwise convolutions fast only in its blocked (nChw16c) or NHWC
// layouts, so on NCHW tensors it reorders the operands around the primitive
// (conv.cpp has the measurements); these loops read and write NCHW directly.
#pragma once

#include "tensor/options.h"
#include "tensor/tensor.h"

namespace chase {

// True for the convolutions these loops compute: one 3x3 kernel per channel
// (groups == input channels == output channels), stride 1, padding 1 and
// dilation 1, so that each output plane has its input plane's size.
bool is_depthwise3x3_same(const Shape& x, const Shape& w, const Conv2dOptions& options);

// The contracts of Kernels::conv2d and its two backward passes, for
// contiguous f32 tensors of a convolution that is_depthwise3x3_same accepts.
void depthwise3x3_forward(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias);
void depthwise3x3_backward_input(const Tensor& grad_x, const Tensor& grad_out, const Tensor& w);
void depthwise3x3_backward_weight(const Tensor& grad_w, const Tensor& grad_out, const Tensor& x);

}  // namespace chase

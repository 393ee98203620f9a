// The building blocks of CHASE (chase/models/chase_net.h), each a Module whose
// children carry the names benchmarks/peers/chase_torch.py gives its PyTorch
// twin, so that a state dict reads "blocks.1.layers.0.1.down.cam.reduce.weight"
// in both. Leaves are called through Module::operator() (the FLOPs counter sees
// each); docs/chase.md explains every choice the paper leaves open.
#pragma once

#include <cstdint>
#include <memory>

#include "chase/models/msdnet_layers.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/multihead_self_attention.h"
#include "nn/sequential.h"
#include "tensor/random.h"

namespace chase::chase_net {

using msdnet::ModuleList;

// A convolution without bias, BatchNorm, then GELU (or nothing: `activate` false),
// as one Sequential (children "0", "1", "2").
std::shared_ptr<Sequential> conv_bn(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                    std::int64_t stride, Generator& gen, bool activate = true,
                                    std::int64_t groups = 1);
// The same three appended to `net` (its children keep counting up).
void append_conv_bn(Sequential& net, std::int64_t in, std::int64_t out, std::int64_t kernel,
                    std::int64_t stride, Generator& gen, bool activate = true,
                    std::int64_t groups = 1);

// The stem (after Addad et al., ICCVW 2023): four convolutions.
//   conv  3x3, stride 2 when stem_stride is 4 else 1, in -> stem_channels, BN, GELU
//   dw    3x3 depthwise, BN, GELU      } added back to conv's output: the residual
//   pw    1x1, BN (linear: the sum is } connection
//         not squashed before the add)
//   out   3x3, stride 2 when stem_stride is 2 or 4, -> first_channels, BN, GELU
// Striding last lets the cheap depthwise residual see the image at full resolution
// (28 or 32 pixels) before the network works at half of it.
class Stem : public Module {
 public:
  Stem(std::int64_t in, std::int64_t stem_channels, std::int64_t out, std::int64_t stride,
       Generator& gen);
  Variable forward(const Variable& image) override;

 private:
  std::shared_ptr<Sequential> conv_, dw_, pw_, out_;
};

// The Channel-level Attention Mechanism (squeeze-excitation, Hu et al. 2018):
// x * sigmoid(expand(GELU(reduce(avgpool(x))))), reduce and expand 1x1
// convolutions with bias, C -> max(1, C / r) -> C, no BatchNorm. The channel-wise
// multiply is the module's own operation (FLOPs: one per element of x).
class CAM : public Module {
 public:
  CAM(std::int64_t channels, std::int64_t reduction, Generator& gen);
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<Module> pool_, reduce_, act_, expand_, gate_;
};

// f or h of Eq. 4: CAM (when on) then MSDNet's basic convolution with GELU: with
// the bottleneck, 1x1 to min(in, bn_width * out) - BN - GELU; then 3x3, stride 2
// (f) or 1 (h), - BN - GELU.
class FusionConv : public Module {
 public:
  FusionConv(std::int64_t in, std::int64_t out, bool down, bool cam, std::int64_t cam_reduction,
             bool bottleneck, std::int64_t bn_width, Generator& gen);
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<CAM> cam_;  // null when CAM is off
  std::shared_ptr<Sequential> net_;
};

// One scale of one layer (Eq. 4): f ("down") on the finer scale's stack and h
// ("normal") on this scale's, concatenated along channels. Either input may be
// empty (0 channels: no module), and f(empty) = h(empty) = empty; with both, each
// writes half of the growth.
class FusionLayer : public Module {
 public:
  FusionLayer(std::int64_t finer_channels, std::int64_t same_channels, std::int64_t growth,
              bool cam, std::int64_t cam_reduction, bool bottleneck, std::int64_t bn_width_finer,
              std::int64_t bn_width_same, Generator& gen);
  // finer / same: undefined where the plan says empty.
  Variable forward_pair(const Variable& finer, const Variable& same);
  Variable forward(const Variable&) override;  // refused: a fusion layer takes two maps

 private:
  std::shared_ptr<FusionConv> down_, normal_;  // null where that input is empty
};

// The Global Attention Layer on an [N, C, H, W] map, a pre-norm transformer
// block over its H * W tokens with a conditional positional encoding (CPVT):
//   x = x + cpe(x)                      cpe: 3x3 depthwise conv with bias
//   x = x + attn(norm1(x))              multi-head self-attention, C / heads per head
//   x = x + mlp(norm2(x))               Linear(C, ratio C) - GELU - Linear(ratio C, C)
// the norms LayerNorms over each token's C channels; mlp_ratio 0 leaves out the MLP
// step (and norm2). The result is the 2-D map again.
class GAL : public Module {
 public:
  GAL(std::int64_t channels, std::int64_t heads, std::int64_t mlp_ratio, Generator& gen);
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<Module> cpe_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
  std::shared_ptr<MultiheadSelfAttention> attn_;
  std::shared_ptr<Sequential> mlp_;
};

// Classifier g_k: two convolutions (3x3 stride 2, then 3x3 stride 1, each BN -
// GELU) as `m` with a global average pool and a flatten, then `linear`.
class Classifier : public Module {
 public:
  Classifier(std::int64_t in, std::int64_t channels, std::int64_t num_classes, Generator& gen);
  Variable forward(const Variable& x) override;

 private:
  std::shared_ptr<Sequential> m_;
  std::shared_ptr<Linear> linear_;
};

}  // namespace chase::chase_net

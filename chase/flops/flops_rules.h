// FLOPs rules: the multiply-adds (MACs) of one call of a layer, looked up by the
// layer's type_name(). The counter (flops_counter.h) applies a rule to every call
// of a module whose type has one and does not look inside it; a module without a
// rule but with children costs what its children's calls cost; a module with
// neither is refused, naming its type (a layer is never silently free).
//
// The default rules mirror the official MSDNet counter, kalviny/MSDNet-PyTorch
// op_counter.py (read at commits 6c08a22672641ed4a7a2b3030318fb6c0782319c and
// 38074f4fa6eee34bff4b1342aaefd7924102a632; they differ only in MaxPool2d, which
// the former counts as AvgPool2d and the latter refuses), for every type it knows,
// and extend it to the other nn layers. x is the call's input [N, ...]; every
// count scales with N (the counter runs N = 1).
//
//   Conv2d        Cin * Cout * kh * kw * Hout * Wout / groups * N  (op_counter; the
//                 bias is not counted, as op_counter; Hout, Wout are the real output
//                 sides, equal to op_counter's formula, which ignores dilation, for
//                 dilation 1). Depthwise convolutions are groups = Cin.
//   Linear        rows * (out * in + out if bias), rows = x.numel / in  (op_counter:
//                 N * (weight.numel + bias.numel) for a 2-D input)
//   ReLU          x.numel  (op_counter)
//   GELU, Sigmoid x.numel: one per element, as op_counter's ReLU (extension)
//   AvgPool2d,    N * C * o * o * kh * kw with o = floor((H + 2 ph - kh) / sh) + 1,
//   MaxPool2d     where H is the input's HEIGHT for both output sides, as op_counter
//                 (`in_w = x.size()[2]`): equal to the real Hout * Wout on square maps
//   AdaptiveAvgPool2d  x.numel (op_counter: every input element added once,
//                 whatever the output size)
//   BatchNorm2d, Dropout, Flatten  0 (op_counter: BatchNorm2d and Dropout are
//                 "ops_nothing"; BN folds into the convolution at inference)
//   LayerNorm     4 per element with the affine, 3 without (extension): mean and
//                 variance (one add and one multiply-add per element), the
//                 normalisation (x - mean) * rstd as one multiply-add, the affine
//                 weight * . + bias one more. Unlike BN it cannot fold away: the
//                 statistics are per token.
//   MultiheadSelfAttention over L = H * W tokens of C features, h heads (extension):
//                 N * ( L * 3C * C  (+ L * 3C with bias)   q, k, v projections (Linear rule)
//                     + L * L * C                          q k^T, all heads
//                     + h * L * L                          softmax, one per score
//                     + L * L * C                          attention-weighted sum of v
//                     + L * C * C   (+ L * C with bias) )  output projection (Linear rule)
//                 The 1 / sqrt(d) scaling of q is 0: it folds into the q projection.
//   CAM (own operations; chase/models/chase_layers.h)  x.numel: the channel-wise
//                 multiply of x by its gate, one per element (extension); the
//                 gate's pool, convolutions, GELU and sigmoid keep their own rules.
//
// Operations done outside any module (concat, reshape, residual additions) cost 0,
// as op_counter counts only leaf modules; the counter refuses any other functional
// op outside a rule (see flops_counter.h). A model that needs another layer type
// adds a rule (set). A composite whose forward computes something itself, beside
// its children (CHASE's CAM: x times the sigmoid gate its children compute, a
// two-input op that cannot be a single-input layer), gets an own-operations rule
// (set_own_ops): it prices that part only, and the children keep their own rules.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "nn/module.h"

namespace chase {

// The MACs of one call of `layer` on an input of shape `input` giving `output`.
using FlopsRule =
    std::function<std::int64_t(const Module& layer, const Shape& input, const Shape& output)>;

class FlopsRules {
 public:
  // Every layer of nn/, as listed above.
  static FlopsRules defaults();

  // Adds or replaces the rule of a type name: the whole call, nothing inside it is
  // looked at.
  void set(const std::string& type_name, FlopsRule rule);
  // Null when the type has no rule.
  const FlopsRule* find(const std::string& type_name) const;

  // Adds or replaces the own-operations rule of a type name: the MACs of what the
  // module's forward computes outside its children, whose calls are counted apart.
  void set_own_ops(const std::string& type_name, FlopsRule rule);
  const FlopsRule* find_own_ops(const std::string& type_name) const;

 private:
  std::map<std::string, FlopsRule> rules_, own_ops_rules_;
};

}  // namespace chase

// Multi-head self-attention (Vaswani et al. 2017) over the H * W positions of
// an [N, C, H, W] map, each position a token of C = embed_dim features: what
// CHASE's GAL needs. The math and the parameters are torch.nn.MultiheadAttention
// (batch_first, query = key = value = the tokens, no dropout, no masks):
//   [q k v] = tokens in_proj_weight^T + in_proj_bias          (in_proj_weight [3C, C])
//   head_i  = softmax(q_i k_i^T / sqrt(d)) v_i,  d = C / num_heads
//   out     = concat(head_1 .. head_h) out_proj.weight^T + out_proj.bias
// and the result goes back to [N, C, H, W]. State dict names are PyTorch's
// (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias), so its
// weights load directly. Initialisation as PyTorch: in_proj_weight
// xavier_uniform_, out_proj.weight Linear's kaiming_uniform_ (a = sqrt(5)),
// both biases zero.
#pragma once

#include <memory>

#include "nn/linear.h"
#include "nn/module.h"
#include "tensor/random.h"

namespace chase {

class MultiheadSelfAttention : public Module {
 public:
  MultiheadSelfAttention(std::int64_t embed_dim, std::int64_t num_heads, Generator& gen,
                         bool bias = true);

  // x [N, embed_dim, H, W] -> [N, embed_dim, H, W]
  Variable forward(const Variable& x) override;

  std::int64_t embed_dim() const { return embed_dim_; }
  std::int64_t num_heads() const { return num_heads_; }

 private:
  std::int64_t embed_dim_, num_heads_;
  Variable in_proj_weight_, in_proj_bias_;
  std::shared_ptr<Linear> out_proj_;
};

}  // namespace chase

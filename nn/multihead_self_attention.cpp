#include "nn/multihead_self_attention.h"

#include <cmath>

#include "autograd/functions.h"
#include "nn/init.h"
#include "nn/input_checks.h"
#include "tensor/ops.h"

namespace chase {

MultiheadSelfAttention::MultiheadSelfAttention(std::int64_t embed_dim, std::int64_t num_heads,
                                               Generator& gen, bool bias)
    : Module("MultiheadSelfAttention"), embed_dim_(embed_dim), num_heads_(num_heads) {
  CHASE_CHECK(embed_dim > 0 && num_heads > 0 && embed_dim % num_heads == 0,
              "MultiheadSelfAttention: num_heads ({}) must be positive and divide embed_dim ({})",
              num_heads, embed_dim);
  // The same draw order as PyTorch's _reset_parameters: in_proj_weight, then
  // out_proj (constructed before it, but its bias is overwritten with zeros).
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(embed_dim, embed_dim, gen, bias));
  in_proj_weight_ = register_parameter("in_proj_weight", xavier_uniform({3 * embed_dim, embed_dim}, gen));
  if (bias) {
    in_proj_bias_ = register_parameter("in_proj_bias", zeros({3 * embed_dim}));
    fill_(out_proj_->bias().value(), 0.0);
  }
}

Variable MultiheadSelfAttention::forward(const Variable& x) {
  CHASE_CHECK(x.defined() && x.dim() == 4 && x.size(1) == embed_dim_,
              "MultiheadSelfAttention: expected input [N, {}, H, W], got {}", embed_dim_,
              shape_or_undefined(x));
  const auto batch = x.size(0), channels = embed_dim_, height = x.size(2), width = x.size(3);
  const auto tokens_count = height * width, heads = num_heads_, head_dim = channels / heads;

  // [N, C, H, W] -> tokens [N, L, C], L = H * W
  Variable tokens = transpose(reshape(x, {batch, channels, tokens_count}), 1, 2);
  Variable qkv = matmul(tokens, transpose(in_proj_weight_, 0, 1));  // [N, L, 3C]
  if (in_proj_bias_.defined()) qkv = add(qkv, in_proj_bias_);
  auto parts = split(qkv, {channels, channels, channels}, 2);

  // [N, L, C] -> [N, heads, L, head_dim]
  auto per_head = [&](const Variable& t) {
    return permute(reshape(t, {batch, tokens_count, heads, head_dim}), {0, 2, 1, 3});
  };
  // Scaling q before the product, as PyTorch, keeps the scores' magnitude in check.
  Variable q = mul(per_head(parts[0]), 1.0 / std::sqrt(static_cast<double>(head_dim)));
  Variable k = per_head(parts[1]), v = per_head(parts[2]);

  Variable scores = matmul(q, transpose(k, 2, 3));  // [N, heads, L, L]
  Variable attended = matmul(softmax(scores, 3), v);  // [N, heads, L, head_dim]
  Variable merged = reshape(permute(attended, {0, 2, 1, 3}), {batch, tokens_count, channels});
  Variable out = (*out_proj_)(merged);  // [N, L, C]
  return reshape(transpose(out, 1, 2), {batch, channels, height, width});
}

}  // namespace chase

#include "chase/flops/flops_rules.h"

#include <fmt/format.h>

#include <utility>

#include "nn/avg_pool2d.h"
#include "nn/conv2d.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/multihead_self_attention.h"

namespace chase {
namespace {

std::int64_t element_count(const Shape& shape) {
  std::int64_t count = 1;
  for (auto size : shape) count *= size;
  return count;
}

// The layer as its concrete class; a user type that reuses a built-in type name
// is refused rather than misread.
template <class Layer>
const Layer& as(const Module& layer) {
  const auto* concrete = dynamic_cast<const Layer*>(&layer);
  CHASE_CHECK(concrete != nullptr,
              "flops: a module named \"{}\" is not the nn/ layer of that name; give its type "
              "another name or its own rule (FlopsRules::set)",
              layer.type_name());
  return *concrete;
}

void check_rank(const Shape& input, std::size_t rank, const Module& layer) {
  CHASE_CHECK(input.size() == rank, "flops: {} expects a {}-d input, got {}", layer.type_name(),
              rank, to_string(input));
}

std::int64_t conv2d_macs(const Module& layer, const Shape& input, const Shape& output) {
  const auto& conv = as<Conv2d>(layer);
  check_rank(input, 4, layer);
  const auto& weight = conv.weight().shape();  // [Cout, Cin / groups, kh, kw]
  return input[0] * conv.in_channels() * conv.out_channels() * weight[2] * weight[3] *
         output[2] * output[3] / conv.options().groups;
}

std::int64_t linear_macs(const Module& layer, const Shape& input, const Shape&) {
  const auto& linear = as<Linear>(layer);
  const std::int64_t rows = element_count(input) / linear.in_features();
  const std::int64_t per_row = linear.in_features() * linear.out_features() +
                               (linear.bias().defined() ? linear.out_features() : 0);
  return rows * per_row;
}

std::int64_t per_input_element(const Module&, const Shape& input, const Shape&) {
  return element_count(input);
}

std::int64_t free_layer(const Module&, const Shape&, const Shape&) { return 0; }

// op_counter's pooling: both output sides from the input height.
std::int64_t pool2d_macs(const Pool2dOptions& options, const Module& layer, const Shape& input) {
  check_rank(input, 4, layer);
  const auto& kernel = options.kernel;
  const std::int64_t side =
      (input[2] + 2 * options.padding[0] - kernel[0]) / options.stride[0] + 1;
  return input[0] * input[1] * side * side * kernel[0] * kernel[1];
}

std::int64_t layer_norm_macs(const Module& layer, const Shape& input, const Shape&) {
  const auto& norm = as<LayerNorm>(layer);
  return element_count(input) * (norm.weight().defined() ? 4 : 3);
}

std::int64_t attention_macs(const Module& layer, const Shape& input, const Shape&) {
  const auto& attention = as<MultiheadSelfAttention>(layer);
  check_rank(input, 4, layer);
  const std::int64_t batch = input[0], channels = attention.embed_dim();
  const std::int64_t tokens = input[2] * input[3], heads = attention.num_heads();
  // Both biases or neither: in_proj_weight, out_proj.weight (+ in_proj_bias, out_proj.bias).
  const bool bias = attention.parameters().size() == 4;
  const std::int64_t projections =
      tokens * 3 * channels * channels + (bias ? tokens * 3 * channels : 0);
  const std::int64_t scores = tokens * tokens * channels;
  const std::int64_t softmax = heads * tokens * tokens;
  const std::int64_t weighted_sum = tokens * tokens * channels;
  const std::int64_t output = tokens * channels * channels + (bias ? tokens * channels : 0);
  return batch * (projections + scores + softmax + weighted_sum + output);
}

}  // namespace

FlopsRules FlopsRules::defaults() {
  FlopsRules rules;
  rules.set("Conv2d", conv2d_macs);
  rules.set("Linear", linear_macs);
  rules.set("ReLU", per_input_element);
  rules.set("GELU", per_input_element);
  rules.set("Sigmoid", per_input_element);
  rules.set("AvgPool2d", [](const Module& layer, const Shape& input, const Shape&) {
    return pool2d_macs(as<AvgPool2d>(layer).options(), layer, input);
  });
  rules.set("MaxPool2d", [](const Module& layer, const Shape& input, const Shape&) {
    return pool2d_macs(as<MaxPool2d>(layer).options(), layer, input);
  });
  rules.set("AdaptiveAvgPool2d", per_input_element);
  rules.set("BatchNorm2d", free_layer);
  rules.set("Dropout", free_layer);
  rules.set("Flatten", free_layer);
  rules.set("LayerNorm", layer_norm_macs);
  rules.set("MultiheadSelfAttention", attention_macs);
  // CHASE's CAM (chase/models/chase_layers.h): its children are counted as usual,
  // its own channel-wise multiply x * gate costs one per element of x.
  rules.set_own_ops("CAM", per_input_element);
  return rules;
}

void FlopsRules::set(const std::string& type_name, FlopsRule rule) {
  CHASE_CHECK(!type_name.empty() && rule != nullptr,
              "FlopsRules::set: a rule needs a type name and a function");
  rules_[type_name] = std::move(rule);
}

const FlopsRule* FlopsRules::find(const std::string& type_name) const {
  auto found = rules_.find(type_name);
  return found == rules_.end() ? nullptr : &found->second;
}

void FlopsRules::set_own_ops(const std::string& type_name, FlopsRule rule) {
  CHASE_CHECK(!type_name.empty() && rule != nullptr,
              "FlopsRules::set_own_ops: a rule needs a type name and a function");
  own_ops_rules_[type_name] = std::move(rule);
}

const FlopsRule* FlopsRules::find_own_ops(const std::string& type_name) const {
  auto found = own_ops_rules_.find(type_name);
  return found == own_ops_rules_.end() ? nullptr : &found->second;
}

}  // namespace chase

#include "autograd/op_registry.h"

#include "tensor/ops.h"

namespace chase {
namespace {

using Inputs = std::vector<Variable>;

InputSpec any(Shape shape) { return {std::move(shape)}; }
InputSpec in_range(Shape shape, double low, double high) {
  return {std::move(shape), low, high};
}
// For log, sqrt, division and non-integer powers: away from zero.
InputSpec positive(Shape shape) { return in_range(std::move(shape), 0.5, 2.0); }
InputSpec transposed(Shape shape) {
  return {std::move(shape), -1.0, 1.0, Layout::transposed};
}
InputSpec strided(Shape shape) { return {std::move(shape), -1.0, 1.0, Layout::strided}; }
InputSpec constant(InputSpec spec) {
  spec.requires_grad = false;
  return spec;
}

class CaseList {
 public:
  CaseList& add(std::string op, std::string args, std::vector<InputSpec> inputs,
                DifferentiableFn fn, std::string golden = "") {
    cases_.push_back({std::move(op), std::move(args), std::move(inputs), std::move(fn),
                      std::move(golden)});
    return *this;
  }
  std::vector<OpCase> take() { return std::move(cases_); }

 private:
  std::vector<OpCase> cases_;
};

void unary_cases(CaseList& list) {
  struct Unary {
    const char* op;
    Variable (*fn)(const Variable&);
    double low, high;
  };
  const Unary unaries[] = {
      {"neg", neg, -1, 1},      {"exp", exp, -1, 1},         {"log", log, 0.5, 2},
      {"sqrt", sqrt, 0.5, 2},   {"rsqrt", rsqrt, 0.5, 2},    {"abs", abs, -1, 1},
      {"sign", sign, -1, 1},    {"relu", relu, -1, 1},       {"gelu", gelu, -3, 3},
      {"sigmoid", sigmoid, -3, 3}, {"tanh", tanh, -2, 2},    {"erf", erf, -2, 2},
  };
  for (const auto& u : unaries) {
    auto fn = [f = u.fn](const Inputs& x) { return f(x[0]); };
    list.add(u.op, "", {in_range({3, 4}, u.low, u.high)}, fn, u.op)
        .add(u.op, "", {{{2, 3, 4}, u.low, u.high, Layout::transposed}}, fn)
        .add(u.op, "", {{{5, 3}, u.low, u.high, Layout::strided}}, fn)
        .add(u.op, "", {in_range({}, u.low, u.high)}, fn);
  }
}

void binary_cases(CaseList& list) {
  struct Binary {
    const char* op;
    Variable (*fn)(const Variable&, const Variable&);
    double a_low, b_low;  // lower bounds of a and b's ranges; upper bound 2
  };
  const Binary binaries[] = {
      {"add", add, -1, -1},         {"sub", sub, -1, -1},         {"mul", mul, -1, -1},
      {"div", div, -1, 0.5},        {"pow", pow, 0.5, -1.5},      {"maximum", maximum, -1, -1},
      {"minimum", minimum, -1, -1},
  };
  for (const auto& b : binaries) {
    auto fn = [f = b.fn](const Inputs& x) { return f(x[0], x[1]); };
    auto a_spec = [&](Shape s, Layout layout = Layout::contiguous) {
      return InputSpec{std::move(s), b.a_low, 2.0, layout};
    };
    auto b_spec = [&](Shape s, Layout layout = Layout::contiguous) {
      return InputSpec{std::move(s), b.b_low, 2.0, layout};
    };
    list.add(b.op, "", {a_spec({3, 4}), b_spec({3, 4})}, fn, b.op)
        .add(b.op, "broadcast", {a_spec({3, 1}), b_spec({1, 4})}, fn,
             std::string(b.op) + "_broadcast")
        .add(b.op, "broadcast", {a_spec({2, 3, 4}), b_spec({4})}, fn)
        .add(b.op, "broadcast", {a_spec({}), b_spec({2, 3})}, fn)
        .add(b.op, "views", {a_spec({4, 3}, Layout::transposed), b_spec({4, 3}, Layout::strided)},
             fn);
    auto constant_b = b_spec({3, 4});
    constant_b.requires_grad = false;
    list.add(b.op, "b constant", {a_spec({3, 4}), constant_b}, fn);
  }
}

void scalar_cases(CaseList& list) {
  list.add("add", "x + 0.5", {transposed({3, 4})},
           [](const Inputs& x) { return x[0] + 0.5; }, "add_scalar")
      .add("sub", "x - 0.5", {any({3, 4})}, [](const Inputs& x) { return x[0] - 0.5; },
           "sub_scalar")
      .add("mul", "x * -1.5", {strided({3, 4})}, [](const Inputs& x) { return x[0] * -1.5; },
           "mul_scalar")
      .add("div", "x / 4", {any({3, 4})}, [](const Inputs& x) { return x[0] / 4.0; },
           "div_scalar")
      .add("pow", "x^2.5", {positive({3, 4})}, [](const Inputs& x) { return pow(x[0], 2.5); },
           "pow_scalar")
      .add("pow", "x^-1.5", {positive({3, 4})},
           [](const Inputs& x) { return pow(x[0], -1.5); })
      .add("pow", "x^3", {any({3, 4})}, [](const Inputs& x) { return pow(x[0], 3.0); })
      .add("rsub", "2 - x", {any({3, 4})}, [](const Inputs& x) { return 2.0 - x[0]; }, "rsub")
      .add("rdiv", "2 / x", {positive({3, 4})}, [](const Inputs& x) { return 2.0 / x[0]; },
           "rdiv");
}

void selection_cases(CaseList& list) {
  auto where_fn = [](const Inputs& x) {
    Tensor cond = index_pattern({3, 4}, 2).to(x[0].dtype());
    return where(cond, x[0], x[1]);
  };
  list.add("where", "cond = pattern", {any({3, 4}), any({3, 4})}, where_fn, "where")
      .add("where", "cond = pattern, broadcast", {any({3, 1}), any({4})}, where_fn)
      .add("clamp", "[-0.5, 0.5]", {any({3, 4})},
           [](const Inputs& x) { return clamp(x[0], -0.5, 0.5); }, "clamp")
      .add("clamp", "[-0.5, inf)", {transposed({3, 4})},
           [](const Inputs& x) { return clamp(x[0], -0.5, std::nullopt); });
}

void reduction_cases(CaseList& list) {
  struct Reduction {
    const char* op;
    Variable (*fn)(const Variable&, const std::vector<std::int64_t>&, bool);
  };
  const Reduction reductions[] = {{"sum", sum}, {"mean", mean}, {"max", max}, {"min", min}};
  for (const auto& r : reductions) {
    auto f = r.fn;
    list.add(r.op, "all", {any({3, 4})}, [f](const Inputs& x) { return f(x[0], {}, false); },
             std::string(r.op) + "_all")
        .add(r.op, "dims={1}", {any({3, 4, 2})},
             [f](const Inputs& x) { return f(x[0], {1}, false); }, std::string(r.op) + "_dim")
        .add(r.op, "dims={0, 2} keepdim", {transposed({3, 4, 2})},
             [f](const Inputs& x) { return f(x[0], {0, 2}, true); })
        .add(r.op, "dims={-1}", {strided({2, 5})},
             [f](const Inputs& x) { return f(x[0], {-1}, false); });
  }
  list.add("var", "dims={1}, correction=1", {any({3, 5})},
           [](const Inputs& x) { return var(x[0], {1}, 1, false); }, "var_dim")
      .add("var", "all, correction=0", {any({3, 4})},
           [](const Inputs& x) { return var(x[0], {}, 0, false); }, "var_all")
      .add("var", "dims={0, 2}, keepdim", {transposed({2, 3, 4})},
           [](const Inputs& x) { return var(x[0], {0, 2}, 1, true); })
      .add("sum_to", "to [3, 1]", {any({2, 3, 4})},
           [](const Inputs& x) { return sum_to(x[0], {3, 1}); }, "sum_to")
      .add("sum_to", "to [4]", {strided({3, 4})},
           [](const Inputs& x) { return sum_to(x[0], {4}); });
}

void linalg_cases(CaseList& list) {
  auto matmul_fn = [](const Inputs& x) { return matmul(x[0], x[1]); };
  list.add("matmul", "", {any({3, 4}), any({4, 5})}, matmul_fn, "matmul")
      .add("matmul", "batch broadcast", {any({2, 3, 4}), any({4, 5})}, matmul_fn,
           "matmul_batched")
      .add("matmul", "batch broadcast", {any({2, 1, 3, 4}), any({3, 4, 2})}, matmul_fn)
      .add("matmul", "vector @ matrix", {any({4}), any({4, 5})}, matmul_fn, "matmul_vector")
      .add("matmul", "matrix @ vector", {any({3, 4}), any({4})}, matmul_fn)
      .add("matmul", "vector @ vector", {any({4}), any({4})}, matmul_fn)
      .add("matmul", "views", {transposed({3, 4}), strided({4, 2})}, matmul_fn)
      .add("matmul", "b constant", {any({3, 4}), constant(any({4, 2}))}, matmul_fn)
      .add("bmm", "", {any({2, 3, 4}), transposed({2, 4, 5})},
           [](const Inputs& x) { return bmm(x[0], x[1]); }, "bmm")
      .add("bmm", "a constant", {constant(any({3, 2, 2})), any({3, 2, 4})},
           [](const Inputs& x) { return bmm(x[0], x[1]); });
}

void conv_pool_cases(CaseList& list) {
  list.add("conv2d", "padding=1", {any({2, 3, 5, 5}), any({4, 3, 3, 3}), any({4})},
           [](const Inputs& x) { return conv2d(x[0], x[1], x[2], {.padding = {1, 1}}); },
           "conv2d")
      .add("conv2d", "stride=2, no bias", {any({1, 2, 6, 5}), any({3, 2, 3, 2})},
           [](const Inputs& x) { return conv2d(x[0], x[1], {}, {.stride = {2, 2}}); },
           "conv2d_stride")
      .add("conv2d", "groups=2, dilation=2, padding=2",
           {any({1, 4, 6, 6}), any({6, 2, 3, 3}), any({6})},
           [](const Inputs& x) {
             return conv2d(x[0], x[1], x[2],
                           {.padding = {2, 2}, .dilation = {2, 2}, .groups = 2});
           },
           "conv2d_groups")
      .add("conv2d", "depthwise, stride=2, padding=1", {any({2, 3, 5, 5}), any({3, 1, 3, 3})},
           [](const Inputs& x) {
             return conv2d(x[0], x[1], {}, {.stride = {2, 2}, .padding = {1, 1}, .groups = 3});
           })
      .add("conv2d", "1x1, x constant", {constant(any({2, 3, 4, 4})), any({2, 3, 1, 1}), any({2})},
           [](const Inputs& x) { return conv2d(x[0], x[1], x[2]); });

  list.add("max_pool2d", "kernel=2, stride=2", {any({2, 3, 4, 4})},
           [](const Inputs& x) { return max_pool2d(x[0], {}); }, "max_pool2d")
      .add("max_pool2d", "kernel=3, stride=2, padding=1", {any({1, 2, 5, 5})},
           [](const Inputs& x) {
             return max_pool2d(x[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
           },
           "max_pool2d_padded")
      .add("avg_pool2d", "kernel=2, stride=2", {any({2, 3, 4, 4})},
           [](const Inputs& x) { return avg_pool2d(x[0], {}); }, "avg_pool2d")
      .add("avg_pool2d", "kernel=3, stride=1, padding=1", {any({1, 2, 4, 5})},
           [](const Inputs& x) {
             return avg_pool2d(x[0], {.kernel = {3, 3}, .stride = {1, 1}, .padding = {1, 1}});
           },
           "avg_pool2d_padded")
      .add("avg_pool2d", "kernel=3, stride=2, padding=1, exclude pad",
           {any({1, 2, 5, 5})},
           [](const Inputs& x) {
             return avg_pool2d(x[0], {.kernel = {3, 3},
                                      .stride = {2, 2},
                                      .padding = {1, 1},
                                      .count_include_pad = false});
           },
           "avg_pool2d_exclude_pad")
      .add("adaptive_avg_pool2d", "output 3x2", {any({2, 2, 7, 5})},
           [](const Inputs& x) { return adaptive_avg_pool2d(x[0], {3, 2}); },
           "adaptive_avg_pool2d")
      .add("adaptive_avg_pool2d", "output 2x4 (overlapping bins)", {any({1, 3, 5, 6})},
           [](const Inputs& x) { return adaptive_avg_pool2d(x[0], {2, 4}); })
      .add("global_avg_pool2d", "", {any({2, 3, 3, 4})},
           [](const Inputs& x) { return global_avg_pool2d(x[0]); }, "global_avg_pool2d")
      .add("global_avg_pool2d", "", {any({1, 2, 1, 5})},
           [](const Inputs& x) { return global_avg_pool2d(x[0]); });
}

void norm_cases(CaseList& list) {
  constexpr double eps = 1e-5;
  list.add("batch_norm", "training, eps=1e-5", {any({4, 3, 3, 3}), any({3}), any({3})},
           [](const Inputs& x) { return batch_norm(x[0], x[1], x[2], eps).out; }, "batch_norm")
      .add("batch_norm", "training, [N, C], no affine", {any({6, 4})},
           [](const Inputs& x) { return batch_norm(x[0], {}, {}, eps).out; },
           "batch_norm_2d")
      .add("batch_norm_inference", "running stats = pattern",
           {any({2, 3, 3, 3}), any({3}), any({3})},
           [](const Inputs& x) {
             // running_mean[c] = 0.1 c - 0.2, running_var[c] = 0.5 + 0.25 c
             Tensor channel = arange(0, 3, 1, x[0].dtype());
             Tensor mean = add(mul(channel, 0.1), -0.2);
             Tensor var = add(mul(channel, 0.25), 0.5);
             return batch_norm_inference(x[0], x[1], x[2], mean, var, eps);
           },
           "batch_norm_inference")
      .add("layer_norm", "last dim", {any({3, 5}), any({5}), any({5})},
           [](const Inputs& x) { return layer_norm(x[0], 1, x[1], x[2], eps); }, "layer_norm")
      .add("layer_norm", "last 2 dims", {any({2, 3, 4}), any({3, 4}), any({3, 4})},
           [](const Inputs& x) { return layer_norm(x[0], 2, x[1], x[2], eps); },
           "layer_norm_2d")
      .add("layer_norm", "no affine", {transposed({2, 4, 3})},
           [](const Inputs& x) { return layer_norm(x[0], 1, {}, {}, eps); });
}

void softmax_cases(CaseList& list) {
  struct Normalizer {
    const char* op;
    Variable (*fn)(const Variable&, std::int64_t);
  };
  const Normalizer normalizers[] = {{"softmax", softmax}, {"log_softmax", log_softmax}};
  for (const auto& [op, f] : normalizers) {
    list.add(op, "dim=1", {any({3, 5})}, [f](const Inputs& x) { return f(x[0], 1); }, op)
        .add(op, "dim=0", {any({4, 2, 3})}, [f](const Inputs& x) { return f(x[0], 0); },
             std::string(op) + "_dim0")
        .add(op, "dim=-1", {transposed({2, 3, 4})}, [f](const Inputs& x) { return f(x[0], -1); })
        // Far-apart logits; central differences resolve ~ulp(|y|) / eps, so
        // larger ones would drown the check in rounding (stability at any
        // magnitude is tested in tests/autograd/test_stability.cpp).
        .add(op, "logits in [-20, 20]", {in_range({2, 6}, -20, 20)},
             [f](const Inputs& x) { return f(x[0], 1); });
  }
  auto cross_entropy_fn = [](const Inputs& x) {
    return cross_entropy(x[0], index_pattern({x[0].size(0)}, x[0].size(1)));
  };
  list.add("cross_entropy", "target = pattern", {any({4, 5})}, cross_entropy_fn,
           "cross_entropy")
      .add("cross_entropy", "logits in [-20, 20]", {in_range({3, 6}, -20, 20)}, cross_entropy_fn,
           "cross_entropy_large");
}

void view_cases(CaseList& list) {
  list.add("view", "[2, 6]", {any({3, 4})}, [](const Inputs& x) { return view(x[0], {2, 6}); },
           "view")
      .add("view", "[-1]", {any({2, 1, 3})}, [](const Inputs& x) { return view(x[0], {-1}); })
      .add("reshape", "[4, 3] (copies)", {transposed({3, 4})},
           [](const Inputs& x) { return reshape(x[0], {4, 3}); }, "reshape")
      .add("reshape", "[3, 2, 2]", {any({6, 2})},
           [](const Inputs& x) { return reshape(x[0], {3, 2, 2}); })
      .add("flatten", "dims 1..2", {any({2, 3, 2, 2})},
           [](const Inputs& x) { return flatten(x[0], 1, 2); }, "flatten")
      .add("flatten", "all dims", {transposed({2, 3, 2})},
           [](const Inputs& x) { return flatten(x[0]); })
      .add("permute", "{2, 0, 1}", {any({2, 3, 4})},
           [](const Inputs& x) { return permute(x[0], {2, 0, 1}); }, "permute")
      .add("permute", "{1, 0}", {strided({3, 2})},
           [](const Inputs& x) { return permute(x[0], {1, 0}); })
      .add("transpose", "0, 2", {strided({2, 3, 2})},
           [](const Inputs& x) { return transpose(x[0], 0, 2); }, "transpose")
      .add("transpose", "-1, -2", {any({4, 3})},
           [](const Inputs& x) { return transpose(x[0], -1, -2); })
      .add("narrow", "dim=1, 1 + 2", {any({3, 4})},
           [](const Inputs& x) { return narrow(x[0], 1, 1, 2); }, "narrow")
      .add("narrow", "dim=0, 0 + 1", {transposed({3, 4})},
           [](const Inputs& x) { return narrow(x[0], 0, 0, 1); })
      .add("slice", "dim=0, 1:6:2", {any({6, 2})},
           [](const Inputs& x) { return slice(x[0], 0, 1, 6, 2); }, "slice")
      .add("slice", "dim=-1, -3:", {strided({2, 5})},
           [](const Inputs& x) { return slice(x[0], -1, -3, 5); })
      .add("select", "dim=1, index=-1", {any({3, 4, 2})},
           [](const Inputs& x) { return select(x[0], 1, -1); }, "select")
      .add("select", "dim=0, index=2", {transposed({3, 4})},
           [](const Inputs& x) { return select(x[0], 0, 2); })
      .add("expand", "to [2, 3, 4]", {any({3, 1})},
           [](const Inputs& x) { return expand(x[0], {2, 3, 4}); }, "expand")
      .add("expand", "to [3, 2]", {any({})}, [](const Inputs& x) { return expand(x[0], {3, 2}); })
      .add("squeeze", "dim=1", {any({3, 1, 2})},
           [](const Inputs& x) { return squeeze(x[0], 1); }, "squeeze")
      .add("squeeze", "dim=-1", {any({4, 1})}, [](const Inputs& x) { return squeeze(x[0], -1); })
      .add("unsqueeze", "dim=-1", {transposed({3, 2})},
           [](const Inputs& x) { return unsqueeze(x[0], -1); }, "unsqueeze")
      .add("unsqueeze", "dim=0", {any({3})}, [](const Inputs& x) { return unsqueeze(x[0], 0); })
      .add("contiguous", "", {transposed({3, 4})},
           [](const Inputs& x) { return contiguous(x[0]); }, "contiguous")
      .add("contiguous", "", {strided({2, 3})}, [](const Inputs& x) { return contiguous(x[0]); });
}

void join_index_cases(CaseList& list) {
  list.add("concat", "dim=1", {any({2, 1, 3}), transposed({2, 3, 3}), any({2, 2, 3})},
           [](const Inputs& x) { return concat(x, 1); }, "concat")
      .add("concat", "dim=0, one constant", {any({2, 3}), constant(any({1, 3}))},
           [](const Inputs& x) { return concat(x, 0); })
      .add("split", "sizes {1, 2, 3}, dim=1, rejoined reordered", {any({2, 6})},
           [](const Inputs& x) {
             auto parts = split(x[0], {1, 2, 3}, 1);
             return concat({parts[2], mul(parts[0], 2.0), parts[1]}, 1);
           },
           "split")
      .add("stack", "dim=0", {any({2, 3}), any({2, 3}), strided({2, 3})},
           [](const Inputs& x) { return stack(x, 0); }, "stack")
      .add("stack", "dim=-1", {any({3}), any({3})}, [](const Inputs& x) { return stack(x, -1); })
      .add("gather", "dim=1, index = pattern [3, 4] < 5", {any({3, 5})},
           [](const Inputs& x) { return gather(x[0], 1, index_pattern({3, 4}, 5)); }, "gather")
      .add("gather", "dim=0, index = pattern [2, 3] < 4", {transposed({4, 3})},
           [](const Inputs& x) { return gather(x[0], 0, index_pattern({2, 3}, 4)); })
      .add("scatter_add", "dim=1, index = pattern [3, 4] < 3", {any({3, 3}), any({3, 4})},
           [](const Inputs& x) {
             return scatter_add(x[0], 1, index_pattern({3, 4}, 3), x[1]);
           },
           "scatter_add")
      .add("scatter_add", "dim=0, index = pattern [2, 3] < 4, base constant",
           {constant(any({4, 3})), any({2, 3})},
           [](const Inputs& x) {
             return scatter_add(x[0], 0, index_pattern({2, 3}, 4), x[1]);
           })
      .add("index_select", "dim=0, index = pattern [5] < 3", {any({3, 4})},
           [](const Inputs& x) { return index_select(x[0], 0, index_pattern({5}, 3)); },
           "index_select")
      .add("index_select", "dim=1, index = pattern [2] < 4", {strided({2, 4})},
           [](const Inputs& x) { return index_select(x[0], 1, index_pattern({2}, 4)); })
      .add("index_add", "dim=1, index = pattern [4] < 3", {any({2, 3}), any({2, 4})},
           [](const Inputs& x) { return index_add(x[0], 1, index_pattern({4}, 3), x[1]); },
           "index_add")
      .add("index_add", "dim=0, index = pattern [3] < 2", {any({2, 3}), transposed({3, 3})},
           [](const Inputs& x) { return index_add(x[0], 0, index_pattern({3}, 2), x[1]); });
}

std::vector<OpCase> build_cases() {
  CaseList list;
  unary_cases(list);
  binary_cases(list);
  scalar_cases(list);
  selection_cases(list);
  reduction_cases(list);
  linalg_cases(list);
  conv_pool_cases(list);
  norm_cases(list);
  softmax_cases(list);
  view_cases(list);
  join_index_cases(list);
  return list.take();
}

}  // namespace

std::string OpCase::shapes() const {
  std::string text;
  for (const auto& spec : inputs) {
    if (!text.empty()) text += ", ";
    text += to_string(spec.shape);
    if (spec.layout == Layout::transposed) text += ".T";
    if (spec.layout == Layout::strided) text += "[::2]";
    if (!spec.requires_grad) text += " (const)";
  }
  return text;
}

const std::vector<OpCase>& differentiable_op_cases() {
  static const std::vector<OpCase> cases = build_cases();
  return cases;
}

Tensor make_input(const InputSpec& spec, std::uint64_t seed, DType dtype) {
  Generator gen(seed);
  Shape storage_shape = spec.shape;
  switch (spec.layout) {
    case Layout::contiguous:
      return uniform(spec.shape, spec.low, spec.high, gen, dtype);
    case Layout::transposed:
      CHASE_CHECK(spec.shape.size() >= 2, "make_input: a transposed input needs 2 dims, got {}",
                  to_string(spec.shape));
      std::swap(storage_shape[storage_shape.size() - 1], storage_shape[storage_shape.size() - 2]);
      return uniform(storage_shape, spec.low, spec.high, gen, dtype).transpose(-1, -2);
    case Layout::strided:
      CHASE_CHECK(!spec.shape.empty(), "make_input: a strided input needs a dim");
      storage_shape.back() *= 2;
      return uniform(storage_shape, spec.low, spec.high, gen, dtype).slice(-1, 0, storage_shape.back(), 2);
  }
  return {};
}

std::vector<Variable> make_inputs(const OpCase& op_case, std::uint64_t seed, DType dtype) {
  std::vector<Variable> inputs;
  for (const auto& spec : op_case.inputs)
    inputs.emplace_back(make_input(spec, seed++, dtype), spec.requires_grad);
  return inputs;
}

Tensor index_pattern(const Shape& shape, std::int64_t bound) {
  CHASE_CHECK(bound > 0, "index_pattern: bound must be positive, got {}", bound);
  std::vector<double> values(numel(shape));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<double>((37 * static_cast<std::int64_t>(i) + 11) % bound);
  return Tensor::from_vector(values, shape, DType::i64);
}

}  // namespace chase

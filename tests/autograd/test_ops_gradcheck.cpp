// Every registered differentiable op (autograd/op_registry.h), at every
// registered shape and layout, passes gradcheck in f64 with the default
// tolerances (eps 1e-6, atol 1e-8, rtol 1e-6).
#include <set>

#include "autograd/op_registry.h"
#include "tests/test_util.h"

using namespace chase;

TEST_CASE("every registered op passes gradcheck in f64") {
  std::uint64_t seed = 1000;
  for (const auto& op_case : differentiable_op_cases()) {
    auto inputs = make_inputs(op_case, seed);
    seed += 16;
    auto result = gradcheck(op_case.fn, inputs);
    INFO(op_case.op, " (", op_case.args, ") on ", op_case.shapes(), ":\n", result.str());
    CHECK(result.passed);
  }
}

TEST_CASE("the registry covers every differentiable function") {
  std::set<std::string> registered;
  for (const auto& op_case : differentiable_op_cases()) registered.insert(op_case.op);
  for (const char* op :
       {"neg", "exp", "log", "sqrt", "rsqrt", "abs", "sign", "relu", "gelu", "sigmoid", "tanh",
        "erf", "add", "sub", "mul", "div", "pow", "maximum", "minimum", "rsub", "rdiv", "where",
        "clamp", "sum", "mean", "max", "min", "var", "sum_to", "matmul", "bmm", "conv2d",
        "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "global_avg_pool2d", "batch_norm",
        "batch_norm_inference", "layer_norm", "softmax", "log_softmax", "cross_entropy", "view",
        "reshape", "flatten", "permute", "transpose", "narrow", "slice", "select", "expand",
        "squeeze", "unsqueeze", "contiguous", "concat", "split", "stack", "gather",
        "scatter_add", "index_select", "index_add"}) {
    CHECK_MESSAGE(registered.count(op) == 1, op, " has no case in the op registry");
  }
}

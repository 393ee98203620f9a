// Gradients against PyTorch (tests/golden/autograd/, made by
// tests/golden/make_autograd_golden.py): every golden case of the op registry,
// and the loss and all parameter gradients of a small MLP and a small CNN.
//
// Tolerance: f64 within 1e-10 and f32 within 1e-5 of PyTorch's float64 result,
// relative to the tensor's largest magnitude. Gradients are sums of many terms,
// so their rounding error scales with the tensor, not with each element (a
// gradient that cancels to nearly zero keeps its terms' absolute error).
#include <map>
#include <set>

#include "autograd/op_registry.h"
#include "tests/golden/golden.h"

using namespace chase;
using namespace chase::test;

namespace {

void check_against_torch(const Tensor& actual, const Tensor& expected, DType dtype,
                         const std::string& what) {
  INFO(what, " in ", name(dtype));
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  to_string(actual.shape()) << ", expected " << to_string(expected.shape()));
  CHECK(actual.dtype() == dtype);
  double tolerance = dtype == DType::f64 ? 1e-10 : 1e-5;
  double scale = 0;
  for (double v : expected.to_vector()) scale = std::max(scale, std::abs(v));
  double error = max_abs_diff(actual.to(DType::f64), expected);
  CHECK_MESSAGE(error <= tolerance * scale,
                "max abs error " << error << " > " << tolerance << " x scale " << scale);
}

}  // namespace

namespace {

// One registry case against its golden case, in every dtype the case lists.
void check_op_case(const OpCase& op_case, const GoldenCase& c) {
  CHECK(c.op() == op_case.op);
  for (auto dtype : c.dtypes()) {
    auto values = c.input_list("inputs", dtype);
    REQUIRE(values.size() == op_case.inputs.size());
    std::vector<Variable> inputs;
    for (std::size_t i = 0; i < values.size(); ++i) {
      REQUIRE_MESSAGE(values[i].shape() == op_case.inputs[i].shape,
                      "input " << i << " is " << to_string(values[i].shape()) << " in the file, "
                               << to_string(op_case.inputs[i].shape) << " in the registry");
      inputs.emplace_back(values[i], op_case.inputs[i].requires_grad);
    }
    auto out = op_case.fn(inputs);
    check_against_torch(out.value(), c.expected("out"), dtype, c.name() + " out");
    out.backward(c.input("seed", dtype));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      auto key = "grad" + std::to_string(i);
      CHECK(c.has_output(key) == inputs[i].requires_grad());
      if (inputs[i].requires_grad())
        check_against_torch(inputs[i].grad(), c.expected(key), dtype, c.name() + " " + key);
    }
  }
}

}  // namespace

TEST_CASE("every registered op's output and gradients match PyTorch") {
  std::map<std::string, GoldenCase> golden;
  for (auto& c : load_golden("golden/autograd/ops.json")) golden.emplace(c.name(), std::move(c));
  std::set<std::string> checked;
  for (const auto& op_case : differentiable_op_cases()) {
    if (op_case.golden.empty()) continue;
    INFO("golden case ", op_case.golden, " (", op_case.op, " ", op_case.args, ")");
    auto found = golden.find(op_case.golden);
    REQUIRE_MESSAGE(found != golden.end(), "no such case in golden/autograd/ops.json");
    checked.insert(op_case.golden);
    try {
      check_op_case(op_case, found->second);
    } catch (const std::exception& e) {
      FAIL_CHECK("threw: " << std::string(e.what()));  // report, go on with the others
    }
  }
  CHECK(checked.size() == golden.size());  // no case of the file is left unchecked
}

namespace {

// A model's inputs as Variables (all floating ones require grad), by name.
using Leaves = std::map<std::string, Variable>;

Leaves leaves_of(const GoldenCase& c, const std::vector<std::string>& names, DType dtype) {
  Leaves leaves;
  for (const auto& name : names) leaves.emplace(name, Variable(c.input(name, dtype), true));
  return leaves;
}

Variable linear(const Variable& x, const Variable& w, const Variable& b) {
  return matmul(x, transpose(w, 0, 1)) + b;
}

void check_model(const GoldenCase& c, const Leaves& leaves, const Variable& loss, DType dtype) {
  check_against_torch(loss.value(), c.expected("loss"), dtype, "loss");
  loss.backward();
  for (const auto& [name, leaf] : leaves)
    check_against_torch(leaf.grad(), c.expected("grad_" + name), dtype, "grad_" + name);
}

const GoldenCase& model_case(const std::vector<GoldenCase>& cases, const std::string& name) {
  for (const auto& c : cases)
    if (c.name() == name) return c;
  throw Error("golden/autograd/models.json: no case " + name);
}

}  // namespace

TEST_CASE("a small MLP's loss and gradients match PyTorch") {
  auto cases = load_golden("golden/autograd/models.json");
  const auto& c = model_case(cases, "mlp");
  for (auto dtype : c.dtypes()) {
    auto p = leaves_of(c, {"x", "w1", "b1", "w2", "b2"}, dtype);
    auto hidden = gelu(linear(p["x"], p["w1"], p["b1"]));
    auto loss = cross_entropy(linear(hidden, p["w2"], p["b2"]), c.input("target", dtype));
    check_model(c, p, loss, dtype);
  }
}

TEST_CASE("a small CNN's loss and gradients match PyTorch") {
  auto cases = load_golden("golden/autograd/models.json");
  const auto& c = model_case(cases, "cnn");
  for (auto dtype : c.dtypes()) {
    auto p = leaves_of(c, {"x", "conv_w", "bn_w", "bn_b", "fc_w", "fc_b"}, dtype);
    auto h = conv2d(p["x"], p["conv_w"], {}, {.padding = {1, 1}});
    h = batch_norm(h, p["bn_w"], p["bn_b"], 1e-5).out;
    h = max_pool2d(gelu(h), {});
    auto loss = cross_entropy(linear(flatten(h, 1), p["fc_w"], p["fc_b"]),
                              c.input("target", dtype));
    check_model(c, p, loss, dtype);
  }
}

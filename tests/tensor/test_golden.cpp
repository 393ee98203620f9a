// Every tensor op against PyTorch's values: the cases of tests/golden/tensor/*.json
// (written by tests/golden/make_golden.py), each run in f64 and f32 on the
// reference and the oneDNN CPU backends, with the tolerances of
// tests/golden/golden.h. A runner per "op" field turns a case into chase calls;
// a case whose op has no runner fails, so none is skipped silently.
#include <functional>
#include <map>

#include "tensor/kernels.h"
#include "tests/golden/golden.h"

using namespace chase;
using chase::test::check_golden;
using chase::test::GoldenCase;

namespace {

using Runner = std::function<void(const GoldenCase&, DType)>;
using Registry = std::map<std::string, Runner>;
using UnaryFn = Tensor (*)(const Tensor&);
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
using ScalarFn = Tensor (*)(const Tensor&, double);

void add_elementwise(Registry& r) {
  // Qualified: <cmath> puts functions of the same names in the global namespace.
  const std::map<std::string, UnaryFn> unary = {
      {"neg", chase::neg},         {"exp", chase::exp},     {"log", chase::log},
      {"sqrt", chase::sqrt},       {"rsqrt", chase::rsqrt}, {"abs", chase::abs},
      {"sign", chase::sign},       {"relu", chase::relu},   {"gelu", chase::gelu},
      {"sigmoid", chase::sigmoid}, {"tanh", chase::tanh},   {"erf", chase::erf}};
  for (const auto& [op, fn] : unary) {
    r[op] = [fn](const GoldenCase& c, DType dt) {
      check_golden(fn(c.input("x", dt)), c, "out", dt);
    };
  }
  const std::map<std::string, BinaryFn> binary = {
      {"add", add},         {"sub", sub},         {"mul", mul}, {"div", div}, {"pow", chase::pow},
      {"maximum", maximum}, {"minimum", minimum}, {"eq", eq},   {"ne", ne},   {"lt", lt},
      {"le", le},           {"gt", gt},           {"ge", ge}};
  for (const auto& [op, fn] : binary) {
    r[op] = [fn](const GoldenCase& c, DType dt) {
      check_golden(fn(c.input("a", dt), c.input("b", dt)), c, "out", dt);
    };
  }
  r["gelu_backward"] = [](const GoldenCase& c, DType dt) {
    check_golden(gelu_backward(c.input("grad_out", dt), c.input("x", dt)), c, "out", dt);
  };
  r["tanh_backward"] = [](const GoldenCase& c, DType dt) {
    check_golden(tanh_backward(c.input("grad_out", dt), c.input("y", dt)), c, "out", dt);
  };
  r["sigmoid_backward"] = [](const GoldenCase& c, DType dt) {
    check_golden(sigmoid_backward(c.input("grad_out", dt), c.input("y", dt)), c, "out", dt);
  };
  const std::map<std::string, ScalarFn> scalar = {
      {"add_scalar", add},        {"sub_scalar", sub}, {"mul_scalar", mul}, {"div_scalar", div},
      {"pow_scalar", chase::pow}, {"gt_scalar", gt},   {"lt_scalar", lt}};
  for (const auto& [op, fn] : scalar) {
    r[op] = [fn](const GoldenCase& c, DType dt) {
      check_golden(fn(c.input("a", dt), c.param<double>("scalar")), c, "out", dt);
    };
  }
  r["where"] = [](const GoldenCase& c, DType dt) {
    check_golden(where(c.input("cond", dt), c.input("a", dt), c.input("b", dt)), c, "out", dt);
  };
  r["clamp"] = [](const GoldenCase& c, DType dt) {
    check_golden(clamp(c.input("x", dt), c.optional_param("low"), c.optional_param("high")), c,
                 "out", dt);
  };
}

void add_reductions(Registry& r) {
  using ReduceFn = Tensor (*)(const Tensor&, const std::vector<std::int64_t>&, bool);
  const std::map<std::string, ReduceFn> reductions = {
      {"sum", sum}, {"mean", mean}, {"max", max}, {"min", min}};
  for (const auto& [op, fn] : reductions) {
    r[op] = [fn](const GoldenCase& c, DType dt) {
      auto dims = c.param<std::vector<std::int64_t>>("dims");
      check_golden(fn(c.input("x", dt), dims, c.param<bool>("keepdim")), c, "out", dt);
    };
  }
  r["var"] = [](const GoldenCase& c, DType dt) {
    auto out = var(c.input("x", dt), c.param<std::vector<std::int64_t>>("dims"),
                   c.param<std::int64_t>("correction"), c.param<bool>("keepdim"));
    check_golden(out, c, "out", dt);
  };
  using ArgFn = Tensor (*)(const Tensor&, std::int64_t, bool);
  for (const auto& [op, fn] :
       std::map<std::string, ArgFn>{{"argmax", argmax}, {"argmin", argmin}}) {
    r[op] = [fn](const GoldenCase& c, DType dt) {
      auto out = fn(c.input("x", dt), c.param<std::int64_t>("dim"), c.param<bool>("keepdim"));
      check_golden(out, c, "out", dt);
    };
  }
  r["sum_to"] = [](const GoldenCase& c, DType dt) {
    check_golden(sum_to(c.input("x", dt), c.param<Shape>("shape")), c, "out", dt);
  };
}

void add_linalg(Registry& r) {
  r["matmul"] = [](const GoldenCase& c, DType dt) {
    check_golden(matmul(c.input("a", dt), c.input("b", dt)), c, "out", dt);
  };
  r["bmm"] = [](const GoldenCase& c, DType dt) {
    check_golden(bmm(c.input("a", dt), c.input("b", dt)), c, "out", dt);
  };
}

Conv2dOptions conv_options(const GoldenCase& c) {
  return {.stride = c.param<Pair>("stride"),
          .padding = c.param<Pair>("padding"),
          .dilation = c.param<Pair>("dilation"),
          .groups = c.param<std::int64_t>("groups")};
}

Pool2dOptions pool_options(const GoldenCase& c) {
  return {.kernel = c.param<Pair>("kernel"),
          .stride = c.param<Pair>("stride"),
          .padding = c.param<Pair>("padding"),
          .count_include_pad = c.param<bool>("count_include_pad")};
}

void add_conv_and_pool(Registry& r) {
  r["conv2d"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt), w = c.input("w", dt), grad_out = c.input("grad_out", dt);
    auto options = conv_options(c);
    check_golden(conv2d(x, w, c.optional_input("bias", dt), options), c, "out", dt);
    check_golden(conv2d_backward_input(grad_out, w, x.shape(), options), c, "grad_x", dt);
    check_golden(conv2d_backward_weight(grad_out, x, w.shape(), options), c, "grad_w", dt);
  };
  r["max_pool2d"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt);
    auto [out, indices] = max_pool2d(x, pool_options(c));
    check_golden(out, c, "out", dt);
    check_golden(indices, c, "indices", dt);
    // Backward from the golden indices, so that it is checked on its own.
    auto grad_x = max_pool2d_backward(c.input("grad_out", dt), c.expected("indices"), x.shape());
    check_golden(grad_x, c, "grad_x", dt);
  };
  r["avg_pool2d"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt);
    check_golden(avg_pool2d(x, pool_options(c)), c, "out", dt);
    auto grad_x = avg_pool2d_backward(c.input("grad_out", dt), x.shape(), pool_options(c));
    check_golden(grad_x, c, "grad_x", dt);
  };
  r["adaptive_avg_pool2d"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt);
    check_golden(adaptive_avg_pool2d(x, c.param<Pair>("output_size")), c, "out", dt);
    auto grad_x = adaptive_avg_pool2d_backward(c.input("grad_out", dt), x.shape());
    check_golden(grad_x, c, "grad_x", dt);
  };
  r["global_avg_pool2d"] = [](const GoldenCase& c, DType dt) {
    check_golden(global_avg_pool2d(c.input("x", dt)), c, "out", dt);
  };
}

// Forward outputs, then the backward fed with the golden statistics (not chase's
// own), so that a wrong forward does not also fail the backward.
void check_norm_grads(const NormGrads& grads, const GoldenCase& c, DType dt) {
  check_golden(grads.x, c, "grad_x", dt);
  CHECK(grads.weight.defined() == c.has_output("grad_weight"));
  CHECK(grads.bias.defined() == c.has_output("grad_bias"));
  if (c.has_output("grad_weight")) check_golden(grads.weight, c, "grad_weight", dt);
  if (c.has_output("grad_bias")) check_golden(grads.bias, c, "grad_bias", dt);
}

void add_norms(Registry& r) {
  r["batch_norm"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt), weight = c.optional_input("weight", dt);
    auto result = batch_norm(x, weight, c.optional_input("bias", dt), c.param<double>("eps"));
    check_golden(result.out, c, "out", dt);
    check_golden(result.mean, c, "mean", dt);
    check_golden(result.invstd, c, "invstd", dt);
    auto grads = batch_norm_backward(c.input("grad_out", dt), x, weight, c.expected("mean", dt),
                                     c.expected("invstd", dt));
    check_norm_grads(grads, c, dt);
  };
  r["batch_norm_inference"] = [](const GoldenCase& c, DType dt) {
    auto out = batch_norm_inference(c.input("x", dt), c.input("weight", dt), c.input("bias", dt),
                                    c.input("running_mean", dt), c.input("running_var", dt),
                                    c.param<double>("eps"));
    check_golden(out, c, "out", dt);
  };
  r["layer_norm"] = [](const GoldenCase& c, DType dt) {
    auto x = c.input("x", dt), weight = c.optional_input("weight", dt);
    auto dims = c.param<std::int64_t>("normalized_dims");
    auto result = layer_norm(x, dims, weight, c.optional_input("bias", dt), c.param<double>("eps"));
    check_golden(result.out, c, "out", dt);
    check_golden(result.mean, c, "mean", dt);
    check_golden(result.invstd, c, "invstd", dt);
    auto grads = layer_norm_backward(c.input("grad_out", dt), x, dims, weight,
                                     c.expected("mean", dt), c.expected("invstd", dt));
    check_norm_grads(grads, c, dt);
  };
}

void add_softmax(Registry& r) {
  r["softmax"] = [](const GoldenCase& c, DType dt) {
    auto dim = c.param<std::int64_t>("dim");
    check_golden(softmax(c.input("x", dt), dim), c, "out", dt);
    auto grad_x = softmax_backward(c.input("grad_out", dt), c.expected("out", dt), dim);
    check_golden(grad_x, c, "grad_x", dt);
  };
  r["log_softmax"] = [](const GoldenCase& c, DType dt) {
    auto dim = c.param<std::int64_t>("dim");
    check_golden(log_softmax(c.input("x", dt), dim), c, "out", dt);
    auto grad_x = log_softmax_backward(c.input("grad_out", dt), c.expected("out", dt), dim);
    check_golden(grad_x, c, "grad_x", dt);
  };
}

void add_indexing(Registry& r) {
  r["concat"] = [](const GoldenCase& c, DType dt) {
    check_golden(concat(c.input_list("tensors", dt), c.param<std::int64_t>("dim")), c, "out", dt);
  };
  r["stack"] = [](const GoldenCase& c, DType dt) {
    check_golden(stack(c.input_list("tensors", dt), c.param<std::int64_t>("dim")), c, "out", dt);
  };
  r["split"] = [](const GoldenCase& c, DType dt) {
    auto parts = split(c.input("x", dt), c.param<std::vector<std::int64_t>>("sizes"),
                       c.param<std::int64_t>("dim"));
    auto expected = c.expected_list("out");
    REQUIRE(parts.size() == expected.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
      check_golden(parts[i], expected[i], dt, c.name() + " part " + std::to_string(i));
    }
  };
  r["gather"] = [](const GoldenCase& c, DType dt) {
    auto out = gather(c.input("x", dt), c.param<std::int64_t>("dim"), c.input("index", dt));
    check_golden(out, c, "out", dt);
  };
  r["scatter_add"] = [](const GoldenCase& c, DType dt) {
    auto out = scatter_add(c.input("base", dt), c.param<std::int64_t>("dim"), c.input("index", dt),
                           c.input("src", dt));
    check_golden(out, c, "out", dt);
  };
  r["index_select"] = [](const GoldenCase& c, DType dt) {
    auto out = index_select(c.input("x", dt), c.param<std::int64_t>("dim"), c.input("index", dt));
    check_golden(out, c, "out", dt);
  };
  r["index_add"] = [](const GoldenCase& c, DType dt) {
    auto out = index_add(c.input("base", dt), c.param<std::int64_t>("dim"), c.input("index", dt),
                         c.input("src", dt));
    check_golden(out, c, "out", dt);
  };
}

void add_creation(Registry& r) {
  r["arange"] = [](const GoldenCase& c, DType dt) {
    auto out =
        arange(c.param<double>("start"), c.param<double>("end"), c.param<double>("step"), dt);
    check_golden(out, c, "out", dt);
  };
}

const Registry& runners() {
  static const Registry registry = [] {
    Registry r;
    add_creation(r);
    add_elementwise(r);
    add_reductions(r);
    add_linalg(r);
    add_conv_and_pool(r);
    add_norms(r);
    add_softmax(r);
    add_indexing(r);
    return r;
  }();
  return registry;
}

// The CPU backends of this build: the reference always, oneDNN where built
// (its f32 fast paths; it falls back to the reference for what it lacks).
std::vector<CpuBackend> cpu_backends() {
  if (dnnl_available()) return {CpuBackend::reference, CpuBackend::dnnl};
  return {CpuBackend::reference};
}

std::string backend_name(CpuBackend backend) {
  return backend == CpuBackend::dnnl ? "oneDNN" : "reference";
}

// Runs every case of a golden file in each of its dtypes on each CPU backend.
// An op that throws fails that run only, so one broken op does not hide the others.
void run_golden_file(const std::string& group) {
  auto cases = chase::test::load_golden("golden/tensor/" + group + ".json");
  REQUIRE(!cases.empty());
  for (const auto& c : cases) {
    auto runner = runners().find(c.op());
    if (runner == runners().end()) {
      FAIL_CHECK("case " << c.name() << ": no runner for op \"" << c.op() << "\"");
      continue;
    }
    for (CpuBackend backend : cpu_backends()) {
      ScopedCpuBackend scoped(backend);
      for (DType dt : c.dtypes()) {
        INFO("case " << c.name() << " in " << name(dt) << " on the " << backend_name(backend)
                     << " backend");
        try {
          runner->second(c, dt);
        } catch (const std::exception& e) {
          FAIL_CHECK("threw: " << std::string(e.what()));
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("golden: creation ops match PyTorch") { run_golden_file("creation"); }
TEST_CASE("golden: elementwise ops match PyTorch") { run_golden_file("elementwise"); }
TEST_CASE("golden: reductions match PyTorch") { run_golden_file("reduce"); }
TEST_CASE("golden: matmul and bmm match PyTorch") { run_golden_file("linalg"); }
TEST_CASE("golden: conv2d and its gradients match PyTorch") { run_golden_file("conv"); }
TEST_CASE("golden: pooling and its gradients match PyTorch") { run_golden_file("pool"); }
TEST_CASE("golden: batch norm and layer norm match PyTorch") { run_golden_file("norm"); }
TEST_CASE("golden: softmax and log_softmax match PyTorch") { run_golden_file("softmax"); }
TEST_CASE("golden: joining and indexing ops match PyTorch") { run_golden_file("index"); }

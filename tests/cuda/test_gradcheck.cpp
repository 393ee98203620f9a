// Gradcheck in f64 on the GPU over the autograd op registry. gradcheck
// perturbs CPU inputs; each case runs as: inputs moved to the GPU, the op on
// the GPU, the result moved back, with both moves differentiable (the
// gradient of a move is the move back). The forward and every backward kernel
// of the op then run on the GPU. (The moves make the GPU inputs contiguous:
// the registry's transposed and strided layouts are exercised on the GPU by
// the parity tests instead.)
#include <set>

#include "autograd/op_registry.h"
#include "autograd/record.h"
#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::no_usable_gpu;

namespace {

// x's value on `device`; its gradient goes back to x's device.
Variable moved_to(const Variable& x, Device device) {
  const Device from = x.device();
  return record("to_device", x.value().to(device), {x},
                [from](const Tensor& grad, const std::vector<bool>&) {
                  return std::vector<Tensor>{grad.to(from)};
                });
}

DifferentiableFn on_gpu(const DifferentiableFn& fn) {
  return [fn](const std::vector<Variable>& inputs) {
    std::vector<Variable> moved;
    for (const Variable& x : inputs) moved.push_back(moved_to(x, Device::cuda()));
    return moved_to(fn(moved), Device::cpu());
  };
}

// Registry cases that build constant tensors (indices, conditions, running
// statistics) on the CPU inside their function, which a GPU op then refuses
// as a device mismatch. Their ops are checked below with device constants.
const std::set<std::string> kCasesWithCpuConstants = {
    "where",       "batch_norm_inference", "cross_entropy", "gather",
    "scatter_add", "index_select",         "index_add"};

void check_gradients(const std::string& what, const DifferentiableFn& fn,
                     const std::vector<Variable>& inputs) {
  const auto result = gradcheck(on_gpu(fn), inputs);
  INFO(what, ":\n", result.str());
  CHECK(result.passed);
}

Variable input(const Shape& shape, std::uint64_t seed, bool requires_grad = true) {
  return Variable(make_input({shape}, seed), requires_grad);
}

}  // namespace

TEST_CASE("every registered op passes gradcheck in f64 on the GPU" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 1000;
  int checked = 0;
  for (const auto& op_case : differentiable_op_cases()) {
    const auto inputs = make_inputs(op_case, seed);
    seed += 16;
    if (kCasesWithCpuConstants.count(op_case.op) != 0) continue;
    check_gradients(op_case.op + " (" + op_case.args + ") on " + op_case.shapes(), op_case.fn,
                    inputs);
    ++checked;
  }
  MESSAGE(checked << " registry cases checked on the GPU");
}

TEST_CASE("ops whose registry cases build CPU constants pass gradcheck with GPU constants" *
          doctest::skip(no_usable_gpu())) {
  const Device gpu = Device::cuda();
  check_gradients("where",
                  [gpu](const std::vector<Variable>& x) {
                    return where(index_pattern({3, 4}, 2).to(DType::f64).to(gpu), x[0], x[1]);
                  },
                  {input({3, 4}, 1), input({3, 1}, 2)});
  check_gradients("batch_norm_inference",
                  [gpu](const std::vector<Variable>& x) {
                    const Tensor channel = arange(0, 3, 1, DType::f64, gpu);
                    return batch_norm_inference(x[0], x[1], x[2], add(mul(channel, 0.1), -0.2),
                                                add(mul(channel, 0.25), 0.5), 1e-5);
                  },
                  {input({2, 3, 3, 3}, 3), input({3}, 4), input({3}, 5)});
  check_gradients("cross_entropy",
                  [gpu](const std::vector<Variable>& x) {
                    return cross_entropy(x[0], index_pattern({4}, 5).to(gpu));
                  },
                  {input({4, 5}, 6)});
  check_gradients("gather",
                  [gpu](const std::vector<Variable>& x) {
                    return gather(x[0], 1, index_pattern({3, 4}, 5).to(gpu));
                  },
                  {input({3, 5}, 7)});
  check_gradients("scatter_add",
                  [gpu](const std::vector<Variable>& x) {
                    return scatter_add(x[0], 1, index_pattern({3, 4}, 3).to(gpu), x[1]);
                  },
                  {input({3, 3}, 8), input({3, 4}, 9)});
  check_gradients("index_select",
                  [gpu](const std::vector<Variable>& x) {
                    return index_select(x[0], 0, index_pattern({5}, 3).to(gpu));
                  },
                  {input({3, 4}, 10)});
  check_gradients("index_add",
                  [gpu](const std::vector<Variable>& x) {
                    return index_add(x[0], 1, index_pattern({4}, 3).to(gpu), x[1]);
                  },
                  {input({2, 3}, 11), input({2, 4}, 12)});
}

// The table of differentiable ops: each case names an op, the inputs it takes
// (shapes, value ranges, layouts: contiguous, transposed and strided views,
// broadcasting pairs) and builds the op from Variables. The `gradcheck`
// program, the gradcheck tests and the golden-value tests all walk this one
// table (ggml's test-backend-ops idea), so a new op is registered once.
#pragma once

#include <string>
#include <vector>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"

namespace chase {

// How an input's value is laid out in memory.
enum class Layout {
  contiguous,
  transposed,  // the last two dims swapped: a transposed view of a contiguous tensor
  strided,     // every other element of a tensor twice as long in the last dim
};

struct InputSpec {
  Shape shape;
  double low = -1.0, high = 1.0;  // uniform values in [low, high)
  Layout layout = Layout::contiguous;
  bool requires_grad = true;
};

struct OpCase {
  std::string op;    // the function of functions.h it exercises
  std::string args;  // its non-tensor arguments, for the reader ("dim=1")
  std::vector<InputSpec> inputs;
  DifferentiableFn fn;
  // Key of this case's PyTorch values in tests/golden/autograd_ops.json (made
  // by tests/golden/make_autograd_golden.py), empty when the case has none.
  std::string golden;

  std::string shapes() const;  // "[3, 4].T, [4]"
};

const std::vector<OpCase>& differentiable_op_cases();

// A value of spec's shape, layout and range, from a seeded stream.
Tensor make_input(const InputSpec& spec, std::uint64_t seed, DType dtype = DType::f64);
std::vector<Variable> make_inputs(const OpCase& op_case, std::uint64_t seed,
                                  DType dtype = DType::f64);

// The integer tensors the cases use (indices, labels, conditions) follow the
// pattern element i = (37 i + 11) mod bound, which the golden script repeats.
Tensor index_pattern(const Shape& shape, std::int64_t bound);

}  // namespace chase

// The fused sgd_step on the GPU against the reference CPU backend: the rule
// (tensor/sgd_rule.h) is the same code on both, made of products and fmas,
// each correctly rounded on both devices: the results agree bit for bit.
#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_parity;
using chase::test::exact;
using chase::test::floating_dtypes;
using chase::test::no_usable_gpu;
using chase::test::random_tensor;

TEST_CASE("sgd_step on the GPU matches the reference" * doctest::skip(no_usable_gpu())) {
  const SgdStepOptions variants[] = {
      {0.1, 0.0, 0.0, 5e-4, false},
      {0.1, 0.9, 0.3, 5e-4, false},
      {0.2, 0.9, 0.0, 1e-3, true},
  };
  for (auto dtype : floating_dtypes) {
    // 1 element, an odd size, and more elements than one launch's threads.
    for (const Shape& shape : {Shape{1}, Shape{37, 3}, Shape{1 << 21}}) {
      const auto p = random_tensor(shape, 1, dtype), g = random_tensor(shape, 2, dtype),
                 b = random_tensor(shape, 3, dtype);
      for (const auto& o : variants) {
        const bool uses_momentum = o.momentum != 0.0;
        check_parity(
            {p, g, b},
            [&](const std::vector<Tensor>& in) {
              // First step (no buffer) and a later one.
              auto first = sgd_step(in[0], in[1], Tensor(), o);
              auto later = sgd_step(in[0], in[1], uses_momentum ? in[2] : Tensor(), o);
              std::vector<Tensor> out{first.param, later.param};
              if (uses_momentum) {
                out.push_back(first.momentum_buffer);
                out.push_back(later.momentum_buffer);
              }
              return out;
            },
            exact(), fmt::format("sgd_step {} {}", name(dtype), to_string(shape)));
      }
    }
  }
}

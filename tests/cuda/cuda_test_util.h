// Helpers of the CUDA tests: the skip check every GPU test case starts with,
// and parity runs of one computation on the reference CPU backend (the truth)
// and on the GPU.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/cuda/cuda_backend.h"
#include "tensor/kernels.h"
#include "tests/test_util.h"

namespace chase::test {

// Test cases that need a GPU carry `* doctest::skip(no_usable_gpu())`, so that
// where no device is usable doctest reports them as skipped, not passed;
// test_backend.cpp prints the reason once.
inline bool no_usable_gpu() { return cuda::device_count() == 0; }

inline Tensor to_gpu(const Tensor& t) { return t.defined() ? t.to(Device::cuda()) : t; }

inline std::vector<Tensor> to_gpu(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> moved;
  for (const Tensor& t : tensors) moved.push_back(to_gpu(t));
  return moved;
}

using Computation = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;

struct Tolerance {
  double rtol, atol;
};

// For results that must agree bit for bit: copies, correctly rounded arithmetic.
inline Tolerance exact() { return {0.0, 0.0}; }

// Runs `compute` on `inputs` (CPU tensors) with the reference backend, and on
// copies of them on the GPU, and compares every result. `compute` makes any
// views itself, so that the GPU kernels see the same strides as the reference.
inline void check_parity(const std::vector<Tensor>& inputs, const Computation& compute,
                         Tolerance tol, const std::string& what) {
  std::vector<Tensor> expected;
  {
    ScopedCpuBackend reference(CpuBackend::reference);
    expected = compute(inputs);
  }
  const std::vector<Tensor> actual = compute(to_gpu(inputs));
  REQUIRE(expected.size() == actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK_MESSAGE(actual[i].device() == Device::cuda(),
                  what << " output " << i << " is on " << actual[i].device().str());
    CHECK_MESSAGE(actual[i].dtype() == expected[i].dtype(), what << " output " << i);
    check_close(actual[i], expected[i], tol.rtol, tol.atol, what + " output " + std::to_string(i));
  }
}

}  // namespace chase::test

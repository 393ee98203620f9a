// Helpers for the suites that test the reference kernels through the ops:
// a fixture that selects them, inner products for adjoint identities, and
// central differences for gradient checks in f64.
#pragma once

#include <functional>
#include <vector>

#include "tensor/kernels.h"
#include "tests/test_util.h"

namespace chase::test {

// TEST_CASE_FIXTURE(ReferenceBackend, ...): the case runs on the reference
// kernels whatever the default CPU backend is.
struct ReferenceBackend {
  ScopedCpuBackend backend{CpuBackend::reference};
};

// <a, b> = sum of a[i] * b[i], in double.
inline double inner_product(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  auto va = a.to_vector(), vb = b.to_vector();
  double sum = 0.0;
  for (std::size_t i = 0; i < va.size(); ++i) sum += va[i] * vb[i];
  return sum;
}

// d f / d x by central differences, (f(x + h e_i) - f(x - h e_i)) / 2h, with x
// an f64 tensor perturbed in place (and restored). The error is O(h^2) from
// truncation plus O(eps / h) from rounding: h = 1e-6 balances them near 1e-10
// relative for functions of order one.
inline Tensor numerical_gradient(const std::function<double()>& f, const Tensor& x,
                                 double h = 1e-6) {
  REQUIRE(x.dtype() == DType::f64);
  REQUIRE(x.is_contiguous());
  std::vector<double> grad(static_cast<std::size_t>(x.numel()));
  double* p = x.data<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double saved = p[i];
    p[i] = saved + h;
    const double up = f();
    p[i] = saved - h;
    const double down = f();
    p[i] = saved;
    grad[static_cast<std::size_t>(i)] = (up - down) / (2 * h);
  }
  return Tensor::from_vector(grad, x.shape(), DType::f64);
}

}  // namespace chase::test

// Whole-tensor comparisons, for tests and checks (they copy to the host).
#include <cmath>

#include "tensor/ops.h"

namespace chase {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  CHASE_CHECK(a.shape() == b.shape(), "max_abs_diff: shapes {} and {} differ",
              to_string(a.shape()), to_string(b.shape()));
  auto va = a.to_vector(), vb = b.to_vector();
  double worst = 0.0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    double d = std::abs(va[i] - vb[i]);
    if (std::isnan(d)) return NAN;
    worst = std::max(worst, d);
  }
  return worst;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.shape() != b.shape()) return false;
  auto va = a.to_vector(), vb = b.to_vector();
  for (std::size_t i = 0; i < va.size(); ++i)
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) return false;
  return true;
}

}  // namespace chase

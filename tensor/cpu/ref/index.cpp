// Indexing kernels: gather / scatter_add along one dim, index_select /
// index_add of whole slices. Indices are validated before any thread starts
// (an exception cannot leave an OpenMP region), so a bad index throws and
// leaves the output untouched.
#include <algorithm>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/cpu/ref/strided.h"

namespace chase {
namespace {

// Every index must address one of the `size` positions of dim `dim`.
void check_indices(const char* op, const Tensor& index, std::int64_t dim, std::int64_t size) {
  const auto* idx = index.data<std::int64_t>();
  for (std::int64_t i = 0; i < index.numel(); ++i)
    CHASE_CHECK(idx[i] >= 0 && idx[i] < size,
                "{}: index {} (at position {} of the index) is out of range [0, {}) for dim {}", op,
                idx[i], i, size, dim);
}

// The shape or strides with entry `dim` moved to the end.
Shape dim_last(Shape s, std::int64_t dim) {
  std::rotate(s.begin() + dim, s.begin() + dim + 1, s.end());
  return s;
}

// The strides of t with dim's stride zeroed (the index supplies that coordinate)
// and moved to the end.
Shape strides_without(const Tensor& t, std::int64_t dim) {
  Shape s = t.strides();
  s[dim] = 0;
  return dim_last(std::move(s), dim);
}

// A contiguous tensor seen as [outer, size(dim), inner].
struct Slabs {
  std::int64_t outer = 1, inner = 1;  // elements before and after dim
};
Slabs slabs_around(const Tensor& t, std::int64_t dim) {
  Slabs s;
  for (std::int64_t d = 0; d < dim; ++d) s.outer *= t.size(d);
  for (std::int64_t d = dim + 1; d < t.dim(); ++d) s.inner *= t.size(d);
  return s;
}

}  // namespace

// The walk runs over index's shape with dim moved last, so each row is one line
// along dim; x's stride along dim is applied to the index value instead.
void RefKernels::gather(const Tensor& out, const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_indices("gather", index, dim, x.size(dim));
  const auto x_dim_stride = x.strides()[dim];
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* o = out.data<T>();
    const T* in = x.data<T>();
    const auto* idx = index.data<std::int64_t>();
    for_each_row<3>(
        dim_last(index.shape(), dim),
        {dim_last(out.strides(), dim), dim_last(index.strides(), dim), strides_without(x, dim)},
        [&](auto base, auto step, std::int64_t n) {
          for (std::int64_t i = 0; i < n; ++i)
            o[base[0] + i * step[0]] = in[base[2] + idx[base[1] + i * step[1]] * x_dim_stride];
        });
  });
}

// Rows are lines along dim (dim moved last): two rows differ in some other
// coordinate, so they add into disjoint lines of out and may run in parallel.
void RefKernels::scatter_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                             const Tensor& src) {
  check_indices("scatter_add", index, dim, out.size(dim));
  const auto out_dim_stride = out.strides()[dim];
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* o = out.data<T>();
    const T* in = src.data<T>();
    const auto* idx = index.data<std::int64_t>();
    for_each_row<3>(
        dim_last(index.shape(), dim),
        {strides_without(out, dim), dim_last(index.strides(), dim), dim_last(src.strides(), dim)},
        [&](auto base, auto step, std::int64_t n) {
          for (std::int64_t i = 0; i < n; ++i)
            o[base[0] + idx[base[1] + i * step[1]] * out_dim_stride] += in[base[2] + i * step[2]];
        });
  });
}

// out [outer, K, inner] takes slab x[o, index[k], :] for each (o, k).
void RefKernels::index_select(const Tensor& out, const Tensor& x, std::int64_t dim,
                              const Tensor& index) {
  check_indices("index_select", index, dim, x.size(dim));
  const auto slabs = slabs_around(x, dim);
  const auto outer = slabs.outer, inner = slabs.inner;
  const auto picked = index.numel(), size = x.size(dim);
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* o = out.data<T>();
    const T* in = x.data<T>();
    const auto* idx = index.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (outer * picked * inner > 32768)
    for (std::int64_t ok = 0; ok < outer * picked; ++ok) {
      const auto outer_i = ok / picked, k = ok % picked;
      std::copy_n(in + (outer_i * size + idx[k]) * inner, inner, o + ok * inner);
    }
  });
}

// out [outer, D, inner] += src slab [o, k, :] at row index[k]. Repeated indices
// add into the same slab, so only the outer slabs are shared among threads.
void RefKernels::index_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                           const Tensor& src) {
  check_indices("index_add", index, dim, out.size(dim));
  const auto slabs = slabs_around(out, dim);
  const auto outer = slabs.outer, inner = slabs.inner;
  const auto picked = index.numel(), size = out.size(dim);
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* o = out.data<T>();
    const T* in = src.data<T>();
    const auto* idx = index.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (outer * picked * inner > 32768)
    for (std::int64_t outer_i = 0; outer_i < outer; ++outer_i) {
      for (std::int64_t k = 0; k < picked; ++k) {
        T* target = o + (outer_i * size + idx[k]) * inner;
        const T* slab = in + (outer_i * picked + k) * inner;
        for (std::int64_t i = 0; i < inner; ++i) target[i] += slab[i];
      }
    }
  });
}

}  // namespace chase

// Indexing kernels over contiguous tensors: gather / scatter_add along one
// dim, index_select / index_add of whole slices. Indices are validated on the
// GPU before any write (index_check.h), so a bad index throws with the
// reference's message and leaves the output untouched. The adds (scatter_add,
// index_add) may send several source elements to one target, so they use
// atomic adds; f32/f64 sums may then round differently from run to run.
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/index_check.h"
#include "tensor/cuda/launch.cuh"

namespace chase::cuda {
namespace {

void check_indices(const char* op, const Tensor& index, std::int64_t dim, std::int64_t size) {
  if (const auto bad = first_index_outside(index, size, op)) {
    throw Error(
        fmt::format("{}: index {} (at position {} of the index) is out of range [0, {}) for dim {}",
                    op, bad->value, bad->position, size, dim));
  }
}

// Where element i of the (contiguous) index tensor points in another tensor
// of at least its size: the index's coordinates in the other tensor's strides,
// with dim's coordinate replaced by the index value.
struct IndexWalk {
  int ndim;
  int dim;
  std::int64_t index_size[kMaxDims];
  std::int64_t other_stride[kMaxDims];  // strides of the gathered-from / scattered-to tensor
  std::int64_t dense_stride[kMaxDims];  // strides of the tensor read or written at i's coordinates

  // Offsets, for element i with index value v, in the other tensor (at v
  // along dim) and in the dense one (at i's own coordinates).
  __device__ void offsets(std::int64_t i, std::int64_t v, std::int64_t& other,
                          std::int64_t& dense) const {
    other = 0;
    dense = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const std::int64_t coord = i % index_size[d];
      i /= index_size[d];
      other += (d == dim ? v : coord) * other_stride[d];
      dense += coord * dense_stride[d];
    }
  }
};

IndexWalk index_walk(const char* op, const Tensor& index, std::int64_t dim, const Tensor& other,
                     const Tensor& dense) {
  CHASE_CHECK(index.dim() <= kMaxDims, "{}: index has {} dims; the CUDA kernels index at most {}",
              op, index.dim(), kMaxDims);
  IndexWalk walk{static_cast<int>(index.dim()), static_cast<int>(dim), {}, {}, {}};
  for (std::int64_t d = 0; d < index.dim(); ++d) {
    walk.index_size[d] = index.size(d);
    walk.other_stride[d] = other.strides()[d];
    walk.dense_stride[d] = dense.strides()[d];
  }
  return walk;
}

template <class T>
struct GatherBody {
  T* out;  // index's shape, contiguous: element i
  const T* x;
  const std::int64_t* index;
  IndexWalk walk;  // other = x, dense = out
  __device__ void operator()(std::int64_t i) const {
    std::int64_t from, to;
    walk.offsets(i, index[i], from, to);
    out[to] = x[from];
  }
};

// Atomic add for every dtype the reference takes: i64 through the unsigned
// 64-bit atomic (two's complement addition is the same operation).
__device__ inline void atomic_add(float* target, float v) { atomicAdd(target, v); }
__device__ inline void atomic_add(double* target, double v) { atomicAdd(target, v); }
__device__ inline void atomic_add(std::int64_t* target, std::int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(target), static_cast<unsigned long long>(v));
}

template <class T>
struct ScatterAddBody {
  T* out;
  const T* src;
  const std::int64_t* index;
  IndexWalk walk;  // other = out, dense = src
  __device__ void operator()(std::int64_t i) const {
    std::int64_t to, from;
    walk.offsets(i, index[i], to, from);
    atomic_add(out + to, src[from]);
  }
};

// out [outer, K, inner] takes slab x[o, index[k], :] for each (o, k).
template <class T>
struct IndexSelectBody {
  T* out;
  const T* x;
  const std::int64_t* index;
  std::int64_t picked, size, inner;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % inner, k = (i / inner) % picked, o = i / (inner * picked);
    out[i] = x[(o * size + index[k]) * inner + j];
  }
};

// out [outer, D, inner] += src [outer, K, inner] at row index[k].
template <class T>
struct IndexAddBody {
  T* out;
  const T* src;
  const std::int64_t* index;
  std::int64_t picked, size, inner;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % inner, k = (i / inner) % picked, o = i / (inner * picked);
    atomic_add(out + (o * size + index[k]) * inner + j, src[i]);
  }
};

// The elements of one slab after dim, for a contiguous tensor seen as
// [outer, size(dim), inner].
std::int64_t elements_after(const Tensor& t, std::int64_t dim) {
  std::int64_t n = 1;
  for (std::int64_t d = dim + 1; d < t.dim(); ++d) n *= t.size(d);
  return n;
}

}  // namespace

void CudaKernels::gather(const Tensor& out, const Tensor& x, std::int64_t dim,
                         const Tensor& index) {
  select_device("gather", out, x, index);
  check_indices("gather", index, dim, x.size(dim));
  const IndexWalk walk = index_walk("gather", index, dim, x, out);
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("gather", index.numel(),
              GatherBody<T>{out.data<T>(), x.data<T>(), index.data<std::int64_t>(), walk});
  });
}

void CudaKernels::scatter_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                              const Tensor& src) {
  select_device("scatter_add", out, index, src);
  check_indices("scatter_add", index, dim, out.size(dim));
  const IndexWalk walk = index_walk("scatter_add", index, dim, out, src);
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("scatter_add", index.numel(),
              ScatterAddBody<T>{out.data<T>(), src.data<T>(), index.data<std::int64_t>(), walk});
  });
}

void CudaKernels::index_select(const Tensor& out, const Tensor& x, std::int64_t dim,
                               const Tensor& index) {
  select_device("index_select", out, x, index);
  check_indices("index_select", index, dim, x.size(dim));
  const std::int64_t inner = elements_after(x, dim);
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("index_select", out.numel(),
              IndexSelectBody<T>{out.data<T>(), x.data<T>(), index.data<std::int64_t>(),
                                 index.numel(), x.size(dim), inner});
  });
}

void CudaKernels::index_add(const Tensor& out, std::int64_t dim, const Tensor& index,
                            const Tensor& src) {
  select_device("index_add", out, index, src);
  check_indices("index_add", index, dim, out.size(dim));
  const std::int64_t inner = elements_after(out, dim);
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("index_add", src.numel(),
              IndexAddBody<T>{out.data<T>(), src.data<T>(), index.data<std::int64_t>(),
                              index.numel(), out.size(dim), inner});
  });
}

}  // namespace chase::cuda

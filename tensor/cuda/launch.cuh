// Launch shapes and strided indexing for the CUDA kernels (nvcc only).
//
// Elementwise kernels see their operands as N tensors of one shape, each with
// its own strides (views, transposes, stride-0 broadcasts). As in the
// reference backend, size-1 dims are dropped and dims that every operand walks
// as one block are merged first, so contiguous operands become a single
// unit-stride run whose offsets are the element index itself; otherwise a
// thread turns its element index into per-operand offsets by dividing through
// the (at most kMaxDims) remaining sizes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "tensor/cuda/runtime.h"
#include "tensor/cuda/status.h"
#include "tensor/tensor.h"

namespace chase::cuda {

constexpr int kThreads = 256;
constexpr int kMaxDims = 8;

// Enough blocks to give every element a thread, capped: kernels loop with a
// grid stride, so a capped grid still covers any size.
inline unsigned int blocks_for(std::int64_t n, int threads = kThreads) {
  constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 20;
  return static_cast<unsigned int>(
      std::clamp<std::int64_t>((n + threads - 1) / threads, 1, kMaxBlocks));
}

__device__ inline std::int64_t thread_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t thread_count() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

template <int N>
struct StridedGeometry {
  int ndim = 0;
  bool unit_stride = false;  // every operand: offset == element index
  std::int64_t size[kMaxDims] = {};
  std::int64_t stride[N][kMaxDims] = {};

  __device__ void offsets(std::int64_t i, std::int64_t (&offset)[N]) const {
    for (int k = 0; k < N; ++k) offset[k] = unit_stride ? i : 0;
    if (unit_stride) return;
    for (int d = ndim - 1; d >= 0; --d) {
      const std::int64_t coord = i % size[d];
      i /= size[d];
      for (int k = 0; k < N; ++k) offset[k] += coord * stride[k][d];
    }
  }
};

// The merged geometry of N tensors of shape `shape` (host side).
template <int N>
StridedGeometry<N> strided_geometry(const char* op, const Shape& shape,
                                    const std::array<const Tensor*, N>& tensors) {
  StridedGeometry<N> g;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    // Dim d folds into the previous kept dim when every operand steps over the
    // pair as one: previous stride == stride[d] * size[d].
    bool mergeable = g.ndim > 0;
    for (int k = 0; k < N && mergeable; ++k)
      mergeable = g.stride[k][g.ndim - 1] == tensors[k]->strides()[d] * shape[d];
    if (mergeable) {
      g.size[g.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) g.stride[k][g.ndim - 1] = tensors[k]->strides()[d];
      continue;
    }
    CHASE_CHECK(g.ndim < kMaxDims,
                "{}: shape {} has more than {} dims that cannot be merged; the CUDA kernels "
                "index at most {}",
                op, to_string(shape), kMaxDims, kMaxDims);
    g.size[g.ndim] = shape[d];
    for (int k = 0; k < N; ++k) g.stride[k][g.ndim] = tensors[k]->strides()[d];
    ++g.ndim;
  }
  g.unit_stride = g.ndim == 0;
  if (g.ndim == 1) {
    g.unit_stride = true;
    for (int k = 0; k < N; ++k) g.unit_stride = g.unit_stride && g.stride[k][0] == 1;
  }
  return g;
}

// Calls body(offsets) for every element: the loop behind all strided maps.
template <int N, class Body>
__global__ void strided_map_kernel(StridedGeometry<N> g, std::int64_t n, Body body) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    std::int64_t offset[N];
    g.offsets(i, offset);
    body(offset);
  }
}

// Runs body over the N tensors of `shape` on the current device's stream.
template <int N, class Body>
void strided_map(const char* op, const Shape& shape, const std::array<const Tensor*, N>& tensors,
                 Body body) {
  const std::int64_t n = numel(shape);
  if (n == 0) return;
  const auto g = strided_geometry<N>(op, shape, tensors);
  strided_map_kernel<N><<<blocks_for(n), kThreads, 0, stream()>>>(g, n, body);
  check_launch(op);
}

// Calls body(i) for i in [0, n): maps over contiguous memory.
template <class Body>
__global__ void index_map_kernel(std::int64_t n, Body body) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) body(i);
}

template <class Body>
void index_map(const char* op, std::int64_t n, Body body) {
  if (n == 0) return;
  index_map_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, body);
  check_launch(op);
}

}  // namespace chase::cuda

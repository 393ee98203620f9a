// Copies (within the GPU and across the host boundary, with dtype conversion),
// fills, ranges and the Philox random streams.
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/philox.h"

namespace chase::cuda {
namespace {

template <class D, class S>
struct ConvertBody {
  D* out;
  const S* in;
  __device__ void operator()(const std::int64_t (&offset)[2]) const {
    out[offset[0]] = static_cast<D>(in[offset[1]]);
  }
};

template <class T>
struct FillBody {
  T* out;
  T value;
  __device__ void operator()(const std::int64_t (&offset)[1]) const { out[offset[0]] = value; }
};

// a + b * c below is one fused multiply-add (__fma_rn), as the reference's
// explicit std::fma (cpu/ref/copy_fill.cpp): unfused, rounded twice, 1 in 3
// f64 uniforms would differ in its last bit.
template <class T>
struct ArangeBody {
  T* out;
  double start, step;
  __device__ void operator()(std::int64_t i) const {
    out[i] = static_cast<T>(__fma_rn(static_cast<double>(i), step, start));
  }
};

// Element i takes counter offset + i, exactly as the reference kernels.
template <class T>
struct UniformBody {
  T* out;
  double low, range;
  std::uint64_t seed, offset;
  __device__ void operator()(std::int64_t i) const {
    const std::uint64_t counter = offset + static_cast<std::uint64_t>(i);
    const double u = sizeof(T) == 4 ? static_cast<double>(philox::uniform_f32(seed, counter))
                                    : philox::uniform_f64(seed, counter);
    out[i] = static_cast<T>(__fma_rn(range, u, low));
  }
};

template <class T>
struct NormalBody {
  T* out;
  double mean, stddev;
  std::uint64_t seed, offset;
  __device__ void operator()(std::int64_t i) const {
    const double z = philox::normal(seed, offset + static_cast<std::uint64_t>(i));
    out[i] = static_cast<T>(__fma_rn(stddev, z, mean));
  }
};

std::size_t bytes_of(const Tensor& t) {
  return static_cast<std::size_t>(t.numel()) * element_size(t.dtype());
}

// Both tensors on one GPU: one strided map, or a plain memcpy when both are
// dense and of one dtype.
void copy_on_device(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    check_cuda(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes_of(dst),
                               cudaMemcpyDeviceToDevice, stream()),
               "copy");
    return;
  }
  visit_dtype(dst.dtype(), [&](auto dst_zero) {
    visit_dtype(src.dtype(), [&](auto src_zero) {
      using D = decltype(dst_zero);
      using S = decltype(src_zero);
      strided_map<2>("copy", dst.shape(), {&dst, &src},
                     ConvertBody<D, S>{dst.data<D>(), src.data<S>()});
    });
  });
}

// Host to GPU: the source is packed on the host, sent as one block, and
// converted or scattered into a strided destination on the GPU. From pageable
// memory cudaMemcpyAsync returns once the bytes are staged, so the packed
// host copy may be freed right after.
void copy_to_device(const Tensor& dst, const Tensor& src) {
  const Tensor host = src.contiguous();
  const bool direct = dst.is_contiguous() && dst.dtype() == src.dtype();
  const Tensor landing = direct ? dst : Tensor::empty(src.shape(), src.dtype(), dst.device());
  check_cuda(cudaMemcpyAsync(landing.raw_data(), host.raw_data(), bytes_of(host),
                             cudaMemcpyHostToDevice, stream()),
             "copy to cuda");
  if (!direct) copy_on_device(dst, landing);
}

// GPU to host: the source is packed on the GPU, received as one block after
// the queued work that produces it, and converted or scattered on the host.
void copy_to_host(const Tensor& dst, const Tensor& src) {
  const Tensor packed = src.contiguous();
  const bool direct = dst.is_contiguous() && dst.dtype() == src.dtype();
  const Tensor landing = direct ? dst : Tensor::empty(src.shape(), src.dtype());
  check_cuda(cudaMemcpyAsync(landing.raw_data(), packed.raw_data(), bytes_of(packed),
                             cudaMemcpyDeviceToHost, stream()),
             "copy to cpu");
  synchronize("copy to cpu");  // the host reads the bytes next
  if (!direct) kernels_for(Device::cpu()).copy(dst, landing);
}

// Between two GPUs: the source, packed on its device, crosses in one peer
// copy into a block on the destination's. The host waits for both ends: the
// source's stream must have produced the bytes before the copy reads them,
// and neither block may be reused while it runs, which the one-stream rule of
// each allocator (runtime.h) cannot promise across two streams. Such copies
// are rare (moving a model), so simplicity wins over overlap.
void copy_between_devices(const Tensor& dst, const Tensor& src) {
  select_device("copy between gpus", src);
  const Tensor packed = src.contiguous();
  synchronize("copy between gpus");
  select_device("copy between gpus", dst);
  const bool direct = dst.is_contiguous() && dst.dtype() == src.dtype();
  const Tensor landing = direct ? dst : Tensor::empty(src.shape(), src.dtype(), dst.device());
  check_cuda(cudaMemcpyPeerAsync(landing.raw_data(), dst.device().index, packed.raw_data(),
                                 src.device().index, bytes_of(packed), stream()),
             "copy between gpus");
  if (!direct) copy_on_device(dst, landing);
  synchronize("copy between gpus");
}

}  // namespace

void CudaKernels::copy(const Tensor& dst, const Tensor& src) {
  CHASE_CHECK(dst.device().is_cuda() || src.device().is_cuda(),
              "copy: the CUDA kernels copy to, from or on a GPU, but both tensors are on the cpu");
  if (src.device().is_cpu()) {
    select_device("copy to cuda", dst);
    if (dst.numel() > 0) copy_to_device(dst, src);
  } else if (dst.device().is_cpu()) {
    select_device("copy to cpu", src);
    if (dst.numel() > 0) copy_to_host(dst, src);
  } else if (dst.device() != src.device()) {
    if (dst.numel() > 0) copy_between_devices(dst, src);
  } else {
    select_device("copy", dst, src);
    if (dst.numel() > 0) copy_on_device(dst, src);
  }
}

void CudaKernels::fill(const Tensor& dst, double value) {
  select_device("fill", dst);
  visit_dtype(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    strided_map<1>("fill", dst.shape(), {&dst}, FillBody<T>{dst.data<T>(), static_cast<T>(value)});
  });
}

void CudaKernels::arange(const Tensor& dst, double start, double step) {
  select_device("arange", dst);
  visit_dtype(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("arange", dst.numel(), ArangeBody<T>{dst.data<T>(), start, step});
  });
}

void CudaKernels::uniform(const Tensor& dst, double low, double high, std::uint64_t seed,
                          std::uint64_t offset) {
  select_device("uniform", dst);
  visit_floating(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("uniform", dst.numel(), UniformBody<T>{dst.data<T>(), low, high - low, seed, offset});
  });
}

void CudaKernels::normal(const Tensor& dst, double mean, double stddev, std::uint64_t seed,
                         std::uint64_t offset) {
  select_device("normal", dst);
  visit_floating(dst.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("normal", dst.numel(), NormalBody<T>{dst.data<T>(), mean, stddev, seed, offset});
  });
}

}  // namespace chase::cuda

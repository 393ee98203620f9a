// The backend's wiring, which holds on any machine: registration, the
// allocator's size buckets, and clear errors for devices that are not usable
// (every index where there is no GPU).
#include <climits>
#include <string>

#include "tensor/allocator.h"
#include "tensor/cuda/caching_allocator.h"
#include "tests/cuda/cuda_test_util.h"

using namespace chase;

TEST_CASE("linking chase with CUDA registers the CUDA kernels and allocators") {
  // Before registration both lookups throw "this build of chase has no CUDA backend";
  // after it, allocator_for throws only for an index that names no usable GPU.
  CHECK_NOTHROW(kernels_for(Device::cuda()));
  CHECK(&kernels_for(Device::cuda()) != &kernels_for(Device::cpu()));
  if (cuda::device_count() > 0) CHECK_NOTHROW(allocator_for(Device::cuda()));
}

TEST_CASE("a device index past the usable GPUs is refused, naming it and why") {
  const int count = cuda::device_count();
  const std::string why = count == 0 ? "no usable CUDA device: " + cuda::unavailable_reason()
                                     : fmt::format("this machine has cuda:0 .. cuda:{}", count - 1);
  // Device::cuda takes any int: negative and huge indices are refused before
  // the allocators' per-device table is indexed or grown.
  for (int index : {count, -1, INT_MAX}) {
    const std::string expected =
        fmt::format("cuda allocator: cuda:{} is not a usable device ({})", index, why);
    CHECK_THROWS_WITH_AS(Tensor::empty({4}, DType::f32, Device::cuda(index)),
                         doctest::Contains(expected.c_str()), Error);
  }
}

TEST_CASE("the device query answers without throwing, with a reason when there is no GPU") {
  const int count = cuda::device_count();
  CHECK(count >= 0);
  CHECK(cuda::unavailable_reason().empty() == (count > 0));
  if (count == 0)
    MESSAGE("no usable CUDA device (" << cuda::unavailable_reason()
                                      << "): the GPU test cases are skipped");
}

TEST_CASE("allocator buckets: at least the request, at most 25% more, four per power of two") {
  CHECK(cuda::bucket_size(0) == 512);
  CHECK(cuda::bucket_size(1) == 512);
  CHECK(cuda::bucket_size(512) == 512);
  CHECK(cuda::bucket_size(513) == 640);  // 2^9 + 2^7
  CHECK(cuda::bucket_size(1024) == 1024);
  CHECK(cuda::bucket_size(1025) == 1280);
  CHECK(cuda::bucket_size((std::size_t{3} << 20) + 1) == (std::size_t{7} << 19));
  std::size_t previous = 0;
  for (std::size_t bytes = 1; bytes < (std::size_t{1} << 24); bytes = bytes * 9 / 8 + 1) {
    const std::size_t bucket = cuda::bucket_size(bytes);
    INFO("bytes ", bytes, " bucket ", bucket);
    CHECK(bucket >= bytes);
    CHECK(bucket >= previous);  // monotone: a larger request never gets a smaller block
    CHECK((bytes <= 512 || bucket * 4 <= bytes * 5));
    CHECK(bucket % 128 == 0);
    previous = bucket;
  }
}

TEST_CASE("the CUDA kernels refuse tensors not on a GPU before any CUDA call") {
  // A host pointer handed to a kernel would fault and leave the context unusable.
  const Tensor host = Tensor::from_vector({1, 2, 3}, {3});
  CHECK_THROWS_WITH_AS(kernels_for(Device::cuda()).fill(host, 0.0),
                       doctest::Contains("fill: a tensor is on cpu, expected a CUDA device"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels_for(Device::cuda()).unary(UnaryOp::exp, host, host),
                       doctest::Contains("exp: a tensor is on cpu"), Error);
  CHECK_THROWS_WITH_AS(
      kernels_for(Device::cuda()).copy(host, host),
      doctest::Contains("copy: the CUDA kernels copy to, from or on a GPU"), Error);
}

TEST_CASE("the caching allocator counts requests, keeps freed blocks by bucket and reuses them" *
          doctest::skip(chase::test::no_usable_gpu())) {
  Allocator& allocator = allocator_for(Device::cuda());
  allocator.empty_cache();
  const std::int64_t live = allocator.stats().live_bytes;
  const std::int64_t reserved = cuda::device_memory_stats().reserved_bytes;
  {
    const Tensor t = Tensor::empty({1000}, DType::f32, Device::cuda());  // 4000 bytes: bucket 4096
    CHECK(allocator.stats().live_bytes == live + 4000);
    CHECK(allocator.stats().peak_bytes >= live + 4000);
    CHECK(cuda::device_memory_stats().reserved_bytes == reserved + 4096);
  }
  CHECK(allocator.stats().live_bytes == live);
  CHECK(allocator.stats().cached_bytes == 4096);
  const std::int64_t device_allocations = cuda::device_memory_stats().device_allocations;
  {
    const Tensor t = Tensor::empty({1010}, DType::f32, Device::cuda());  // the same bucket
    CHECK(cuda::device_memory_stats().device_allocations == device_allocations);
    CHECK(allocator.stats().cached_bytes == 0);
  }
  allocator.empty_cache();
  CHECK(allocator.stats().cached_bytes == 0);
  CHECK(cuda::device_memory_stats().reserved_bytes == reserved);
}

// Copies across the host boundary and on the GPU, fills, ranges, and the
// Philox streams, which must give the CPU's numbers for the same seed.
#include <cmath>
#include <cstring>

#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;
using chase::test::to_gpu;

namespace {

// Every element equal, bit for bit (NaN payloads aside, none occur here).
void check_identical(const Tensor& a, const Tensor& b, const std::string& what) {
  INFO(what);
  REQUIRE(a.shape() == b.shape());
  REQUIRE(a.dtype() == b.dtype());
  const Tensor ha = a.to(Device::cpu()).contiguous(), hb = b.to(Device::cpu()).contiguous();
  CHECK(std::memcmp(ha.raw_data(), hb.raw_data(), a.numel() * element_size(a.dtype())) == 0);
}

}  // namespace

TEST_CASE("host to GPU and back preserves every dtype's values exactly" * doctest::skip(no_usable_gpu())) {
  for (DType dtype : {DType::f32, DType::f64, DType::i64}) {
    const Tensor host = random_tensor({3, 5, 7}, 1, DType::f64, -100, 100).to(dtype);
    const Tensor gpu = host.to(Device::cuda());
    CHECK(gpu.device() == Device::cuda());
    check_identical(gpu.to(Device::cpu()), host, std::string(name(dtype)));
  }
}

TEST_CASE("strided sources and destinations cross the host boundary" * doctest::skip(no_usable_gpu())) {
  const Tensor host = random_tensor({4, 6, 5}, 2, DType::f64);
  SUBCASE("a transposed and sliced host tensor goes up as its values") {
    const Tensor view = host.transpose(0, 2).slice(1, 1, 6, 2);
    check_identical(view.to(Device::cuda()), view.contiguous(), "host view -> gpu");
  }
  SUBCASE("a GPU view comes down as its values") {
    const Tensor gpu = host.to(Device::cuda());
    const Tensor view = gpu.permute({1, 2, 0}).narrow(0, 2, 3);
    check_identical(view.to(Device::cpu()), host.permute({1, 2, 0}).narrow(0, 2, 3).contiguous(),
                    "gpu view -> host");
  }
  SUBCASE("copy_ into strided views on either side, with broadcasting") {
    const Tensor row = random_tensor({5}, 3, DType::f64);
    Tensor gpu = zeros({4, 6, 5}, DType::f64, Device::cuda());
    copy_(gpu.select(1, 2), row);  // host row broadcast into a GPU [4, 5] view
    Tensor expected = zeros({4, 6, 5}, DType::f64);
    copy_(expected.select(1, 2), row);
    check_identical(gpu, expected, "host -> strided gpu view");
    Tensor back = zeros({5, 4}, DType::f64);
    copy_(back.transpose(0, 1), gpu.select(1, 2));
    check_identical(back, expected.select(1, 2).transpose(0, 1).contiguous(),
                    "gpu view -> strided host view");
  }
}

TEST_CASE("0-d and empty tensors copy, convert, fill and draw" * doctest::skip(no_usable_gpu())) {
  const Tensor scalar = Tensor::scalar(-2.75, DType::f64);
  check_identical(scalar.to(Device::cuda()), scalar, "0-d round trip");
  check_identical(scalar.to(Device::cuda()).to(DType::f32), scalar.to(DType::f32),
                  "0-d conversion on the GPU");
  const Tensor empty = zeros({4, 0, 3});
  const Tensor gpu_empty = empty.to(Device::cuda());
  check_identical(gpu_empty, empty, "empty round trip");
  check_identical(gpu_empty.transpose(0, 2).to(DType::f64), empty.transpose(0, 2).to(DType::f64),
                  "empty conversion on the GPU");
  fill_(gpu_empty, 1.0);
  Generator gen(5);
  CHECK(uniform({0, 7}, 0, 1, gen, DType::f32, Device::cuda()).shape() == Shape{0, 7});
  CHECK(normal({3, 0}, 0, 1, gen, DType::f64, Device::cuda()).shape() == Shape{3, 0});
  CHECK(gen.offset() == 0);
  check_identical(arange(1, 1, 1, DType::f32, Device::cuda()), arange(1, 1, 1, DType::f32),
                  "empty arange");
}

TEST_CASE("copies on the GPU convert dtypes as the reference does" * doctest::skip(no_usable_gpu())) {
  const Tensor base = random_tensor({6, 7}, 4, DType::f64, -50, 50);
  for (DType from : {DType::f32, DType::f64, DType::i64}) {
    for (DType to : {DType::f32, DType::f64, DType::i64}) {
      const Tensor source = base.to(from);
      // Transposed on both sides: the strided kernel, not a memcpy.
      check_identical(to_gpu(source).transpose(0, 1).to(to), source.transpose(0, 1).to(to),
                      std::string(name(from)) + " -> " + std::string(name(to)));
    }
  }
}

TEST_CASE("fill and arange on the GPU give the reference's values" * doctest::skip(no_usable_gpu())) {
  for (DType dtype : {DType::f32, DType::f64, DType::i64}) {
    Tensor gpu = zeros({5, 4}, dtype, Device::cuda());
    fill_(gpu.slice(0, 1, 5, 2), 7.0);  // a strided view
    Tensor host = zeros({5, 4}, dtype);
    fill_(host.slice(0, 1, 5, 2), 7.0);
    check_identical(gpu, host, std::string("fill ") + std::string(name(dtype)));
    check_identical(arange(-3, 40, 0.7, dtype, Device::cuda()), arange(-3, 40, 0.7, dtype),
                    std::string("arange ") + std::string(name(dtype)));
  }
}

TEST_CASE("the same seed gives the same numbers on the CPU and the GPU" * doctest::skip(no_usable_gpu())) {
  for (DType dtype : {DType::f32, DType::f64}) {
    INFO(name(dtype));
    // Odd sizes and a generator already advanced: the counters, not the
    // thread layout, decide each element.
    Generator cpu_gen(1234), gpu_gen(1234);
    cpu_gen.advance(17);
    gpu_gen.advance(17);
    check_identical(uniform({1001, 3}, -2, 5, gpu_gen, dtype, Device::cuda()),
                    uniform({1001, 3}, -2, 5, cpu_gen, dtype), "uniform");
    // Box-Muller's log and cos come from each device's math library (glibc
    // within 1 ulp, CUDA's within 1 and 2), so standard normals agree to a few
    // ulp of double (bounded here by 8) and, once rounded to f32, to one f32
    // ulp where a value sits on a rounding edge. (Mean 0: a shifted value near
    // 0 would turn those ulps into a large relative difference.)
    const Tensor gpu_normal = normal({777}, 0.0, 1.0, gpu_gen, dtype, Device::cuda());
    const Tensor cpu_normal = normal({777}, 0.0, 1.0, cpu_gen, dtype);
    const double rtol = dtype == DType::f32 ? 0x1.0p-23 : 8 * 0x1.0p-52;
    check_close(gpu_normal, cpu_normal, rtol, 0.0, "normal");
    CHECK(gpu_gen.offset() == cpu_gen.offset());
  }
}

TEST_CASE("random fills of strided GPU views take the same numbers as the CPU's" * doctest::skip(no_usable_gpu())) {
  Generator cpu_gen(99), gpu_gen(99);
  Tensor gpu = zeros({6, 8}, DType::f32, Device::cuda());
  Tensor host = zeros({6, 8}, DType::f32);
  uniform_(gpu.transpose(0, 1).slice(0, 0, 8, 3), 0, 1, gpu_gen);
  uniform_(host.transpose(0, 1).slice(0, 0, 8, 3), 0, 1, cpu_gen);
  check_identical(gpu, host, "uniform_ into a strided view");
}

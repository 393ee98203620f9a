// Joining and indexing ops on the GPU against the reference, all exact:
// gathers and selects copy elements, and the adds (atomics on the GPU, in no
// fixed order) add values whose every partial sum is exact (eighths below).
#include "autograd/op_registry.h"
#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_parity;
using chase::test::exact;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;

namespace {

// Multiples of 1/8 in [-9, 9] (whole numbers for i64): sums of a few of them
// are exact in f32, so no order of the GPU's atomic adds can change a result.
// (Arbitrary f32 values cannot be compared this way: the index patterns below
// send up to 9 adds to one element, and summed in another order these 10
// f32 terms can differ by 3.2e-6 on a result of 0.6.)
Tensor eighths(const Shape& shape, std::uint64_t seed, DType dtype) {
  const Tensor steps = random_tensor(shape, seed, DType::f64, -72, 72).to(DType::i64);
  return dtype == DType::i64 ? steps : mul(steps.to(DType::f64), 0.125).to(dtype);
}

}  // namespace

TEST_CASE("gather and scatter_add along every dim, with repeated indices" * doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 1;
  for (DType dtype : {DType::f32, DType::f64, DType::i64}) {
    const Tensor x = eighths({5, 6, 7}, ++seed, dtype);
    for (std::int64_t dim = 0; dim < 3; ++dim) {
      const std::string what = "dim " + std::to_string(dim) + " " + std::string(name(dtype));
      Shape index_shape = {4, 3, 5};
      index_shape[dim] = 9;  // longer than x along dim: indices repeat
      const Tensor index = index_pattern(index_shape, x.size(dim));
      const Tensor src = eighths(index_shape, ++seed, dtype);
      check_parity(
          {x, index},
          [dim](const auto& in) { return std::vector<Tensor>{gather(in[0], dim, in[1])}; }, exact(),
          "gather " + what);
      check_parity(
          {x, index, src},
          [dim](const auto& in) {
            return std::vector<Tensor>{scatter_add(in[0], dim, in[1], in[2])};
          },
          exact(), "scatter_add " + what);
    }
  }
}

TEST_CASE("index_select and index_add of slabs, with repeated indices and views" * doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 100;
  for (DType dtype : {DType::f32, DType::f64, DType::i64}) {
    const Tensor x = eighths({4, 5, 6}, ++seed, dtype);
    for (std::int64_t dim = 0; dim < 3; ++dim) {
      const std::string what = "dim " + std::to_string(dim) + " " + std::string(name(dtype));
      // Valid along dim both for x and for its transpose(0, 2).
      const Tensor index = index_pattern({11}, std::min(x.size(dim), x.size(2 - dim)));
      Shape src_shape = x.shape();
      src_shape[dim] = 11;
      const Tensor src = eighths(src_shape, ++seed, dtype);
      check_parity(
          {x, index},
          [dim](const auto& in) {
            return std::vector<Tensor>{index_select(in[0], dim, in[1]),
                                       index_select(in[0].transpose(0, 2), dim, in[1])};
          },
          exact(), "index_select " + what);
      check_parity(
          {x, index, src},
          [dim](const auto& in) {
            return std::vector<Tensor>{index_add(in[0], dim, in[1], in[2])};
          },
          exact(), "index_add " + what);
    }
  }
}

TEST_CASE("indexing with non-contiguous and empty indices, batch 1" *
          doctest::skip(no_usable_gpu())) {
  const Tensor x = eighths({1, 6, 5}, 21, DType::f32);
  const Tensor index = index_pattern({1, 5, 4}, 5);
  check_parity(
      {x, index},
      [](const auto& in) {
        const Tensor transposed = in[1].transpose(1, 2);  // [1, 4, 5], not contiguous
        const Tensor none = in[1].narrow(1, 0, 0);       // [1, 0, 4]
        const Tensor strided = in[1].select(0, 0).select(1, 3);  // [5], stride 4
        return std::vector<Tensor>{gather(in[0], 2, transposed),
                                   scatter_add(in[0], 2, transposed, in[0]),
                                   gather(in[0], 1, none),
                                   scatter_add(in[0], 1, none, in[0]),
                                   index_select(in[0], 1, strided),
                                   index_add(in[0], 2, strided, in[0]),
                                   index_select(in[0], 2, strided.narrow(0, 0, 0))};
      },
      exact(), "non-contiguous and empty indices");
}

TEST_CASE("concat, split and stack of GPU views" * doctest::skip(no_usable_gpu())) {
  const Tensor a = random_tensor({3, 4, 5}, 7);
  const Tensor b = random_tensor({3, 2, 5}, 8);
  check_parity(
      {a, b},
      [](const auto& in) {
        const auto parts = split(in[0], {1, 3}, 1);
        return std::vector<Tensor>{concat({in[0], in[1], parts[0]}, 1),
                                   stack({in[0].select(1, 2), in[1].select(1, 0)}, 2)};
      },
      exact(), "concat/split/stack");
}

TEST_CASE("a bad index on the GPU throws the reference's message; the GPU stays usable" * doctest::skip(no_usable_gpu())) {
  const Tensor x = random_tensor({3, 4}, 9).to(Device::cuda());
  const Tensor bad = Tensor::from_vector({0, 2, 4, 1}, {1, 4}, DType::i64, Device::cuda());
  CHECK_THROWS_WITH_AS(gather(x, 0, bad),
                       doctest::Contains("gather: index 4 (at position 2 of the index) is out of "
                                         "range [0, 3) for dim 0"),
                       Error);
  const Tensor negative = Tensor::from_vector({-1}, {1}, DType::i64, Device::cuda());
  CHECK_THROWS_WITH_AS(index_select(x, 1, negative),
                       doctest::Contains("index_select: index -1 (at position 0"), Error);
  // The failed ops left the context usable.
  CHECK(sum(x).item() == doctest::Approx(sum(x.to(Device::cpu())).item()).epsilon(1e-6));
}

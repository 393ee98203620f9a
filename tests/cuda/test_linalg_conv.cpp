// Matmul (cuBLAS) and convolution (cuDNN) on the GPU against the reference.
//
// Tolerances. Both devices compute f32 products in f32 (cuBLAS default math,
// cuDNN FMA math: no TF32) but sum in different orders; two orders of a
// K-term sum of values in [-1, 1] differ by about sqrt(K) * 2^-24 * |partial
// sums|, a few 1e-6 for the K <= ~600 here (cuDNN's Winograd and FFT
// algorithms, if its heuristics pick them, add transform roundings of the same
// order), so f32 is checked at 1e-4 (as the oneDNN parity tests); a wrong
// index or a missed term is off by ~1e-1. f64: 1e-12. The empty cases compare
// exactly: their outputs are zeros or copies of the bias.
#include "tests/cuda/cuda_test_util.h"
#include "tests/tensor/conv_parity_cases.h"

using namespace chase;
using chase::test::check_parity;
using chase::test::exact;
using chase::test::conv_parity_cases;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;
using chase::test::Tolerance;

namespace {

Tolerance product_tolerance(DType dtype) {
  return dtype == DType::f32 ? Tolerance{1e-4, 1e-4} : Tolerance{1e-12, 1e-12};
}

}  // namespace

TEST_CASE("matmul: plain, batched, broadcast batches, vectors, and every operand layout" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 1;
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tolerance tol = product_tolerance(dtype);
    const std::string dt(name(dtype));
    auto product = [](const auto& in) { return std::vector<Tensor>{matmul(in[0], in[1])}; };
    check_parity({random_tensor({37, 53}, ++seed, dtype), random_tensor({53, 29}, ++seed, dtype)},
                 product, tol, "[37,53] @ [53,29] " + dt);
    check_parity({random_tensor({1, 7}, ++seed, dtype), random_tensor({7, 1}, ++seed, dtype)},
                 product, tol, "[1,7] @ [7,1] " + dt);
    check_parity({random_tensor({3, 5, 9}, ++seed, dtype), random_tensor({9, 4}, ++seed, dtype)},
                 product, tol, "batch broadcast of b " + dt);
    check_parity(
        {random_tensor({2, 1, 6, 5}, ++seed, dtype), random_tensor({3, 5, 7}, ++seed, dtype)},
        product, tol, "batch broadcast both ways " + dt);
    check_parity({random_tensor({11}, ++seed, dtype), random_tensor({11, 6}, ++seed, dtype)},
                 product, tol, "vector @ matrix " + dt);
    check_parity({random_tensor({4, 0}, ++seed, dtype), random_tensor({0, 3}, ++seed, dtype)},
                 product, tol, "K = 0 " + dt);
    // Operands transposed (op T), sliced with a non-unit inner stride (copied),
    // and a batch whose matrices are transposed views.
    const Tensor a = random_tensor({24, 31}, ++seed, dtype);
    const Tensor b = random_tensor({31, 40}, ++seed, dtype);
    check_parity(
        {a, b},
        [](const auto& in) {
          return std::vector<Tensor>{matmul(in[1].transpose(0, 1), in[0].transpose(0, 1))};
        },
        tol, "both transposed " + dt);
    check_parity(
        {a, b},
        [](const auto& in) {
          return std::vector<Tensor>{matmul(in[0].slice(1, 0, 31, 2), in[1].slice(0, 0, 31, 2))};
        },
        tol, "inner stride 2 " + dt);
    check_parity(
        {a, b},
        [](const auto& in) {
          return std::vector<Tensor>{matmul(in[0].narrow(0, 3, 9), in[1].narrow(1, 5, 17))};
        },
        tol, "row stride wider than the row " + dt);
    const Tensor batch = random_tensor({4, 9, 6}, ++seed, dtype);
    check_parity(
        {batch},
        [](const auto& in) {
          return std::vector<Tensor>{bmm(in[0].transpose(1, 2), in[0]),
                                     bmm(in[0], in[0].transpose(1, 2))};
        },
        tol, "bmm with transposed batches " + dt);
  }
}

TEST_CASE("conv2d forward, input and weight gradients: groups, depthwise, strides, batch 1" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 100;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const auto& c : conv_parity_cases()) {
      const Tensor x = random_tensor(c.x, ++seed, dtype);
      const Tensor w = random_tensor(c.w, ++seed, dtype);
      const Tensor bias = c.bias ? random_tensor({c.w[0]}, ++seed, dtype) : Tensor();
      const Tensor grad_out =
          random_tensor(conv2d_output_shape(c.x, c.w, c.options), ++seed, dtype);
      const auto options = c.options;
      check_parity(
          {x, w, bias, grad_out},
          [options](const auto& in) {
            return std::vector<Tensor>{
                conv2d(in[0], in[1], in[2], options),
                conv2d_backward_input(in[3], in[1], in[0].shape(), options),
                conv2d_backward_weight(in[3], in[0], in[1].shape(), options)};
          },
          product_tolerance(dtype), c.name + " " + std::string(name(dtype)));
    }
  }
}

TEST_CASE("conv2d reads strided inputs (made contiguous by the op)" *
          doctest::skip(no_usable_gpu())) {
  const Tensor x = random_tensor({2, 5, 9, 3}, 7);
  const Tensor w = random_tensor({4, 3, 3, 3}, 8);
  check_parity(
      {x, w},
      [](const auto& in) {
        return std::vector<Tensor>{
            conv2d(in[0].permute({0, 3, 1, 2}), in[1], {}, {.padding = {1, 1}})};
      },
      product_tolerance(DType::f32), "NHWC input viewed as NCHW");
}

TEST_CASE("conv2d on empty batches, no input channels and inputs of padding only" *
          doctest::skip(no_usable_gpu())) {
  struct EmptyCase {
    const char* name;
    Shape x, w;
    Conv2dOptions options;
  };
  const EmptyCase cases[] = {
      {"batch 0", {0, 3, 5, 5}, {4, 3, 3, 3}, {.padding = {1, 1}}},
      {"no input channels: the output is the bias", {2, 0, 5, 5}, {4, 0, 3, 3}, {}},
      {"zero rows: padding only", {2, 3, 0, 4}, {4, 3, 1, 3}, {.padding = {1, 1}}},
  };
  std::uint64_t seed = 900;
  for (const auto& c : cases) {
    const Tensor x = random_tensor(c.x, ++seed);
    const Tensor w = random_tensor(c.w, ++seed);
    const Tensor bias = random_tensor({c.w[0]}, ++seed);
    const Tensor grad_out = random_tensor(conv2d_output_shape(c.x, c.w, c.options), ++seed);
    const auto options = c.options;
    check_parity(
        {x, w, bias, grad_out},
        [options](const auto& in) {
          return std::vector<Tensor>{conv2d(in[0], in[1], in[2], options),
                                     conv2d(in[0], in[1], {}, options),
                                     conv2d_backward_input(in[3], in[1], in[0].shape(), options),
                                     conv2d_backward_weight(in[3], in[0], in[1].shape(), options)};
        },
        exact(), c.name);
  }
}

// Pooling, normalisation and softmax on the GPU against the reference.
//
// Tolerances. Window sums and statistics accumulate in double on both
// devices; f32 outputs then differ by a rounding or two (the GPU may fuse
// x * scale + shift into one FMA): 1e-5. Max pooling picks elements, so its
// values and indices agree exactly. f64: 1e-12.
#include <limits>

#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_parity;
using chase::test::exact;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;
using chase::test::Tolerance;

namespace {

Tolerance tolerance(DType dtype) {
  return dtype == DType::f32 ? Tolerance{1e-5, 1e-6} : Tolerance{1e-12, 1e-12};
}

std::vector<Pool2dOptions> pool_cases() {
  return {
      {{2, 2}, {2, 2}, {0, 0}, true},
      {{3, 3}, {2, 2}, {1, 1}, true},
      {{3, 3}, {2, 2}, {1, 1}, false},
      {{3, 2}, {1, 2}, {1, 0}, true},   // overlapping rows, rectangular
      {{5, 5}, {3, 3}, {2, 2}, false},  // windows hanging over the padding
  };
}

}  // namespace

TEST_CASE("max and average pooling, forward and backward, on odd shapes and batch 1" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 1;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape : {Shape{2, 3, 9, 7}, Shape{1, 1, 5, 5}, Shape{3, 4, 12, 13}}) {
      for (const auto& options : pool_cases()) {
        const std::string what = to_string(shape) + " kernel " + std::to_string(options.kernel[0]) +
                                 "x" + std::to_string(options.kernel[1]) + " " +
                                 std::string(name(dtype));
        const Tensor x = random_tensor(shape, ++seed, dtype);
        check_parity(
            {x},
            [options](const auto& in) {
              auto pooled = max_pool2d(in[0], options);
              return std::vector<Tensor>{pooled.out, pooled.indices};
            },
            exact(), "max_pool2d " + what);
        check_parity(
            {x},
            [options](const auto& in) {
              const auto pooled = max_pool2d(in[0], options);
              // Gradients that are not all equal, so that the order in
              // which overlapping windows add them shows in the last bit:
              // both devices add them in output order.
              const Tensor grad = add(mul(pooled.out, 3.1), 0.7);
              return std::vector<Tensor>{max_pool2d_backward(grad, pooled.indices, in[0].shape())};
            },
            exact(), "max_pool2d_backward " + what);
        check_parity(
            {x},
            [options](const auto& in) {
              const Tensor out = avg_pool2d(in[0], options);
              return std::vector<Tensor>{
                  out, avg_pool2d_backward(add(out, 1.5), in[0].shape(), options)};
            },
            tolerance(dtype), "avg_pool2d " + what);
      }
      for (Pair bins : {Pair{3, 2}, Pair{1, 1}, Pair{4, 5}, Pair{shape[2], shape[3]}}) {
        const Tensor x = random_tensor(shape, ++seed, dtype);
        check_parity(
            {x},
            [bins](const auto& in) {
              const Tensor out = adaptive_avg_pool2d(in[0], bins);
              return std::vector<Tensor>{
                  out, adaptive_avg_pool2d_backward(mul(out, 2.0), in[0].shape())};
            },
            tolerance(dtype),
            "adaptive_avg_pool2d " + std::to_string(bins[0]) + "x" + std::to_string(bins[1]) + " " +
                to_string(shape));
      }
    }
  }
}

TEST_CASE("max pooling lets NaN win, and its backward refuses out-of-plane indices" *
          doctest::skip(no_usable_gpu())) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = Tensor::from_vector({1, nan, 3, 4, 5, 6, 7, nan, 9}, {1, 1, 3, 3});
  check_parity(
      {x},
      [](const auto& in) {
        const auto pooled = max_pool2d(in[0], {{2, 2}, {1, 1}, {0, 0}, true});
        return std::vector<Tensor>{pooled.out, pooled.indices};
      },
      exact(), "NaN");
  const Tensor bad = Tensor::from_vector({0, 3, 9, 1}, {1, 1, 2, 2}, DType::i64, Device::cuda());
  CHECK_THROWS_WITH_AS(
      max_pool2d_backward(ones({1, 1, 2, 2}, DType::f32, Device::cuda()), bad, {1, 1, 3, 3}),
      doctest::Contains("index 9 at position 2 is outside a 3x3 input plane"), Error);
}

TEST_CASE("batch norm: training forward and backward, inference, with and without affine" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 300;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape :
         {Shape{4, 3, 5, 7}, Shape{1, 6, 3, 3}, Shape{9, 5}, Shape{2, 16, 33, 31}}) {
      const std::string what = to_string(shape) + " " + std::string(name(dtype));
      const std::int64_t channels = shape[1];
      // A large common offset: the two-pass statistics must not cancel.
      const Tensor x = random_tensor(shape, ++seed, dtype, 99, 101);
      const Tensor weight = random_tensor({channels}, ++seed, dtype, 0.5, 1.5);
      const Tensor bias = random_tensor({channels}, ++seed, dtype);
      const Tensor grad_out = random_tensor(shape, ++seed, dtype);
      const Tensor running_var = random_tensor({channels}, ++seed, dtype, 0.5, 2);
      check_parity(
          {x, weight, bias, grad_out, running_var},
          [](const auto& in) {
            const auto forward = batch_norm(in[0], in[1], in[2], 1e-5);
            const auto grads =
                batch_norm_backward(in[3], in[0], in[1], forward.mean, forward.invstd);
            return std::vector<Tensor>{
                forward.out,
                forward.mean,
                forward.invstd,
                grads.x,
                grads.weight,
                grads.bias,
                batch_norm_inference(in[0], in[1], in[2], in[2], in[4], 1e-5)};
          },
          tolerance(dtype), "affine " + what);
      check_parity(
          {x, grad_out},
          [](const auto& in) {
            const auto forward = batch_norm(in[0], {}, {}, 1e-3);
            const auto grads = batch_norm_backward(in[1], in[0], {}, forward.mean, forward.invstd);
            return std::vector<Tensor>{forward.out, grads.x};
          },
          tolerance(dtype), "no affine " + what);
    }
  }
}

TEST_CASE("layer norm over the last one or two dims, forward and backward" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 400;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape : {Shape{7, 33}, Shape{1, 5}, Shape{3, 4, 1000}, Shape{130, 9}}) {
      const std::string what = to_string(shape) + " " + std::string(name(dtype));
      const Shape normalized(shape.end() - 1, shape.end());
      const Tensor x = random_tensor(shape, ++seed, dtype, -3, 5);
      const Tensor weight = random_tensor(normalized, ++seed, dtype);
      const Tensor bias = random_tensor(normalized, ++seed, dtype);
      const Tensor grad_out = random_tensor(shape, ++seed, dtype);
      check_parity(
          {x, weight, bias, grad_out},
          [](const auto& in) {
            const auto forward = layer_norm(in[0], 1, in[1], in[2], 1e-5);
            const auto grads =
                layer_norm_backward(in[3], in[0], 1, in[1], forward.mean, forward.invstd);
            return std::vector<Tensor>{forward.out, forward.mean, forward.invstd,
                                       grads.x,     grads.weight, grads.bias};
          },
          tolerance(dtype), "affine " + what);
      check_parity(
          {x, grad_out},
          [](const auto& in) {
            const Tensor xt = in[0].dim() == 3 ? in[0].transpose(1, 2) : in[0];
            const Tensor gt = in[1].dim() == 3 ? in[1].transpose(1, 2) : in[1];
            const std::int64_t dims = in[0].dim() == 3 ? 2 : 1;
            const auto forward = layer_norm(xt, dims, {}, {}, 1e-5);
            const auto grads = layer_norm_backward(gt, xt, dims, {}, forward.mean, forward.invstd);
            return std::vector<Tensor>{forward.out, grads.x};
          },
          tolerance(dtype), "no affine, views " + what);
    }
  }
}

TEST_CASE("softmax and log-softmax over every dim, forward and backward" *
          doctest::skip(no_usable_gpu())) {
  std::uint64_t seed = 500;
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape : {Shape{5, 1001}, Shape{4, 7, 3}, Shape{1, 1}, Shape{3000, 10}}) {
      const Tensor x = random_tensor(shape, ++seed, dtype, -30, 30);
      const Tensor g = random_tensor(shape, ++seed, dtype);
      for (std::int64_t dim = 0; dim < std::ssize(shape); ++dim) {
        const std::string what =
            to_string(shape) + " dim " + std::to_string(dim) + " " + std::string(name(dtype));
        check_parity(
            {x, g},
            [dim](const auto& in) {
              const Tensor y = softmax(in[0], dim), log_y = log_softmax(in[0], dim);
              return std::vector<Tensor>{y, log_y, softmax_backward(in[1], y, dim),
                                         log_softmax_backward(in[1], log_y, dim)};
            },
            tolerance(dtype), what);
      }
    }
  }
}

// Launch configurations are built from the sizes: a size of 0 must launch
// nothing (or an idle grid) and still give the reference's results, the
// parameter gradients of layer norm over no rows (zeros) included.
TEST_CASE("pooling, normalisation and softmax of empty tensors" * doctest::skip(no_usable_gpu())) {
  const Tensor batch0 = random_tensor({0, 3, 6, 6}, 1);
  check_parity(
      {batch0},
      [](const auto& in) {
        const Pool2dOptions options{{3, 3}, {2, 2}, {1, 1}, true};
        const auto pooled = max_pool2d(in[0], options);
        const Tensor averaged = avg_pool2d(in[0], options);
        const Tensor adaptive = adaptive_avg_pool2d(in[0], {2, 2});
        return std::vector<Tensor>{
            pooled.out,
            pooled.indices,
            max_pool2d_backward(pooled.out, pooled.indices, in[0].shape()),
            averaged,
            avg_pool2d_backward(averaged, in[0].shape(), options),
            adaptive,
            adaptive_avg_pool2d_backward(adaptive, in[0].shape())};
      },
      exact(), "batch 0");
  const Tensor rows0 = random_tensor({0, 5}, 2);
  const Tensor weight = random_tensor({5}, 3);
  check_parity(
      {rows0, weight},
      [](const auto& in) {
        const auto normed = layer_norm(in[0], 1, in[1], in[1], 1e-5);
        const auto grads = layer_norm_backward(in[0], in[0], 1, in[1], normed.mean, normed.invstd);
        return std::vector<Tensor>{normed.out, grads.x, grads.weight, grads.bias,
                                   softmax(in[0], 1), log_softmax(in[0], 0)};
      },
      exact(), "no rows");
  check_parity(
      {random_tensor({3, 0}, 4)},
      [](const auto& in) {
        return std::vector<Tensor>{softmax(in[0], 1), log_softmax(in[0], 0)};
      },
      exact(), "rows of length 0");
}

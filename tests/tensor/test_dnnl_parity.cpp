// The oneDNN backend against the reference backend (the truth), through the
// public ops, on random shapes: odd sizes, batch 1, strided inputs, groups,
// depthwise and dilated convolutions, strides and padding.
//
// Tolerances. Both backends compute in f32 (unit roundoff 2^-24 = 6e-8) but
// sum in different orders (oneDNN blocks and vectorises its reductions), and
// oneDNN's exp/log inside softmax are polynomial approximations. The largest
// differences measured on these cases: 1.3e-6 (a conv weight gradient, ~160
// terms), 3.4e-6 (log-softmax near 0, against the reference's 1e-6 error vs
// f64). Reductions are checked at rtol = atol = 1e-4: a margin of ~30x over
// those, and far below the ~1e-1 that a missed or misplaced term produces.
// Elementwise ops have no reduction; oneDNN's approximations measured within
// 3.4 ulp or 4e-7 absolute of f64 on these ranges, checked at 1e-5.
#ifdef CHASE_WITH_DNNL

#include <omp.h>

#include <cmath>
#include <functional>
#include <vector>

#include "tensor/kernels.h"
#include "tests/tensor/conv_parity_cases.h"
#include "tests/test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::random_tensor;

namespace {

constexpr double kReductionTol = 1e-4;
constexpr double kElementwiseTol = 1e-5;

// Runs `compute` on both backends and compares every tensor it returns.
void check_parity(const std::function<std::vector<Tensor>()>& compute, double tol,
                  const std::string& what) {
  std::vector<Tensor> expected, actual;
  {
    ScopedCpuBackend reference(CpuBackend::reference);
    expected = compute();
  }
  {
    ScopedCpuBackend dnnl(CpuBackend::dnnl);
    actual = compute();
  }
  REQUIRE(expected.size() == actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    check_close(actual[i], expected[i], tol, tol, what + " output " + std::to_string(i));
}

// The shared cases, and channel counts off oneDNN's 16-channel blocks.
std::vector<test::ConvCase> conv_cases() {
  auto cases = test::conv_parity_cases();
  cases.push_back({"channels off the 16-block", {2, 17, 9, 9}, {19, 17, 3, 3},
                   {{1, 1}, {1, 1}, {1, 1}, 1}, true});
  return cases;
}

}  // namespace

TEST_CASE("dnnl conv2d forward, input and weight gradients match the reference") {
  std::uint64_t seed = 100;
  for (const auto& c : conv_cases()) {
    auto x = random_tensor(c.x, ++seed);
    auto w = random_tensor(c.w, ++seed);
    auto bias = c.bias ? random_tensor({c.w[0]}, ++seed) : Tensor();
    auto out_shape = conv2d_output_shape(c.x, c.w, c.options);
    auto grad_out = random_tensor(out_shape, ++seed);
    check_parity([&] { return std::vector{conv2d(x, w, bias, c.options)}; }, kReductionTol,
                 c.name + ": forward");
    check_parity(
        [&] { return std::vector{conv2d_backward_input(grad_out, w, c.x, c.options)}; },
        kReductionTol, c.name + ": input gradient");
    check_parity(
        [&] { return std::vector{conv2d_backward_weight(grad_out, x, c.w, c.options)}; },
        kReductionTol, c.name + ": weight gradient");
  }
}

TEST_CASE("dnnl conv2d takes strided inputs through the public op") {
  // An NHWC buffer seen as NCHW: the op makes it contiguous before the kernel.
  auto x = random_tensor({2, 9, 7, 5}, 1).permute({0, 3, 1, 2});
  auto w = random_tensor({6, 5, 3, 3}, 2);
  Conv2dOptions options{{1, 1}, {1, 1}, {1, 1}, 1};
  check_parity([&] { return std::vector{conv2d(x, w, {}, options)}; }, kReductionTol,
               "permuted input");
}

TEST_CASE("dnnl conv2d primitives of equal shapes but different options do not collide") {
  auto x = random_tensor({2, 4, 9, 9}, 3);
  auto w = random_tensor({4, 4, 3, 3}, 4);
  // A 3x3 kernel keeps 9x9 with padding 1, and with dilation 2 and padding 2:
  // same shapes, different primitives.
  Conv2dOptions padded{{1, 1}, {1, 1}, {1, 1}, 1};
  Conv2dOptions dilated{{1, 1}, {2, 2}, {2, 2}, 1};
  check_parity(
      [&] {
        return std::vector{conv2d(x, w, {}, padded), conv2d(x, w, {}, dilated),
                           conv2d(x, w, {}, padded)};
      },
      kReductionTol, "interleaved options");
}

// The depthwise 3x3 loops of the oneDNN backend (depthwise3x3.h) take planes
// at most four wide in pairs and wider ones in groups of eight columns.
const Shape kNarrowPlanes{2, 3, 4, 4}, kWidePlanes{2, 3, 5, 10};

TEST_CASE("dnnl depthwise 3x3 keeps an infinite plane out of its neighbours") {
  // The loops read across plane edges and clear what they read there; an inf
  // in channel 1 multiplied by a zero would make channels 0 and 2 NaN.
  const Conv2dOptions options{{1, 1}, {1, 1}, {1, 1}, 3};
  for (const Shape& shape : {kNarrowPlanes, kWidePlanes}) {
    auto x = random_tensor(shape, 31), grad_out = random_tensor(shape, 32);
    auto w = random_tensor({3, 1, 3, 3}, 33), bias = random_tensor({3}, 34);
    fill_(x.narrow(1, 1, 1), INFINITY);
    fill_(grad_out.narrow(1, 1, 1), INFINITY);
    const auto finite_channels = [](const Tensor& t, std::int64_t dim) {
      return std::vector{t.narrow(dim, 0, 1), t.narrow(dim, 2, 1)};
    };
    const auto name = to_string(shape);
    check_parity([&] { return finite_channels(conv2d(x, w, bias, options), 1); }, kReductionTol,
                 name + ": forward");
    check_parity(
        [&] { return finite_channels(conv2d_backward_input(grad_out, w, shape, options), 1); },
        kReductionTol, name + ": input gradient");
    check_parity(
        [&] { return finite_channels(conv2d_backward_weight(grad_out, x, w.shape(), options), 0); },
        kReductionTol, name + ": weight gradient");
  }
}

TEST_CASE("dnnl depthwise 3x3 gives the same bits on any number of threads") {
  const Conv2dOptions options{{1, 1}, {1, 1}, {1, 1}, 6};
  ScopedCpuBackend dnnl(CpuBackend::dnnl);
  for (Shape shape : {kNarrowPlanes, kWidePlanes}) {
    shape[0] = 64;  // enough work for the loops to start their threads
    shape[1] = 6;
    auto x = random_tensor(shape, 41), grad_out = random_tensor(shape, 42);
    auto w = random_tensor({6, 1, 3, 3}, 43), bias = random_tensor({6}, 44);
    const auto passes = [&] {
      return std::vector{conv2d(x, w, bias, options),
                         conv2d_backward_input(grad_out, w, shape, options),
                         conv2d_backward_weight(grad_out, x, w.shape(), options)};
    };
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto one_thread = passes();
    // Three threads split the planes and channels unlike one or two.
    omp_set_num_threads(3);
    const auto three_threads = passes();
    omp_set_num_threads(threads);
    for (std::size_t i = 0; i < one_thread.size(); ++i)
      CHECK_MESSAGE(one_thread[i].to_vector() == three_threads[i].to_vector(),
                    to_string(shape) << ": pass " << i);
  }
}

TEST_CASE("dnnl matmul matches the reference on odd, transposed and broadcast operands") {
  struct MatmulCase {
    std::string name;
    std::function<Tensor()> a, b;
  };
  // Single products have at least 32768 multiply-adds, the size from which
  // oneDNN runs them (smaller ones take the reference path); batches run on
  // oneDNN at any size.
  std::vector<MatmulCase> cases{
      {"37x45 @ 45x41", [] { return random_tensor({37, 45}, 1); },
       [] { return random_tensor({45, 41}, 2); }},
      {"64x128 @ 128x96", [] { return random_tensor({64, 128}, 3); },
       [] { return random_tensor({128, 96}, 4); }},
      {"transposed a", [] { return random_tensor({45, 37}, 5).transpose(0, 1); },
       [] { return random_tensor({45, 41}, 6); }},
      {"transposed b", [] { return random_tensor({37, 45}, 7); },
       [] { return random_tensor({41, 45}, 8).transpose(0, 1); }},
      {"batched", [] { return random_tensor({3, 29, 31}, 9); },
       [] { return random_tensor({3, 31, 27}, 10); }},
      {"batch 1", [] { return random_tensor({1, 43, 41}, 11); },
       [] { return random_tensor({1, 41, 39}, 12); }},
      {"b broadcast over the batch", [] { return random_tensor({4, 27, 29}, 13); },
       [] { return random_tensor({29, 23}, 14); }},
      {"a broadcast over the batch", [] { return random_tensor({27, 29}, 15); },
       [] { return random_tensor({4, 29, 23}, 16); }},
      {"batch dims broadcast both ways", [] { return random_tensor({2, 1, 21, 23}, 17); },
       [] { return random_tensor({1, 3, 23, 25}, 18); }},
      {"strided rows and columns", [] { return random_tensor({74, 90}, 19).slice(1, 0, 90, 2); },
       [] { return random_tensor({50, 80}, 20).slice(0, 0, 45).slice(1, 1, 80, 2); }},
      {"transposed batch", [] { return random_tensor({45, 3, 37}, 21).permute({1, 2, 0}); },
       [] { return random_tensor({3, 45, 23}, 22); }},
      {"vector @ matrix", [] { return random_tensor({300}, 23); },
       [] { return random_tensor({300, 250}, 24); }},
      {"matrix @ vector", [] { return random_tensor({300, 250}, 25); },
       [] { return random_tensor({250}, 26); }},
  };
  for (const auto& c : cases) {
    auto a = c.a(), b = c.b();
    check_parity([&] { return std::vector{matmul(a, b)}; }, kReductionTol, c.name);
  }
}

TEST_CASE("dnnl average pooling matches the reference") {
  struct PoolCase {
    std::string name;
    Shape x;
    Pool2dOptions options;
  };
  std::vector<PoolCase> cases{
      {"2x2 stride 2", {2, 3, 8, 6}, {{2, 2}, {2, 2}, {0, 0}, true}},
      {"odd 7x5, window 2", {2, 3, 7, 5}, {{2, 2}, {2, 2}, {0, 0}, true}},
      {"3x3 stride 2 padded, pad counted", {1, 4, 7, 5}, {{3, 3}, {2, 2}, {1, 1}, true}},
      {"3x3 stride 2 padded, pad not counted", {1, 4, 7, 5}, {{3, 3}, {2, 2}, {1, 1}, false}},
      {"rectangular window", {3, 2, 9, 8}, {{3, 2}, {1, 2}, {1, 0}, false}},
  };
  std::uint64_t seed = 200;
  for (const auto& c : cases) {
    auto x = random_tensor(c.x, ++seed);
    auto out = avg_pool2d(x, c.options);
    auto grad_out = random_tensor(out.shape(), ++seed);
    check_parity([&] { return std::vector{avg_pool2d(x, c.options)}; }, kReductionTol,
                 c.name + ": forward");
    check_parity([&] { return std::vector{avg_pool2d_backward(grad_out, c.x, c.options)}; },
                 kReductionTol, c.name + ": backward");
  }
}

TEST_CASE("dnnl adaptive average pooling matches the reference, divisible or not") {
  struct AdaptiveCase {
    Shape x;
    Pair output;
  };
  std::vector<AdaptiveCase> cases{
      {{2, 5, 8, 8}, {1, 1}}, {{1, 3, 8, 6}, {2, 3}}, {{2, 3, 7, 5}, {3, 2}}};
  std::uint64_t seed = 300;
  for (const auto& c : cases) {
    auto x = random_tensor(c.x, ++seed);
    auto grad_out = random_tensor({c.x[0], c.x[1], c.output[0], c.output[1]}, ++seed);
    auto name = to_string(c.x) + " -> " + std::to_string(c.output[0]) + "x" +
                std::to_string(c.output[1]);
    check_parity([&] { return std::vector{adaptive_avg_pool2d(x, c.output)}; }, kReductionTol,
                 name + ": forward");
    check_parity([&] { return std::vector{adaptive_avg_pool2d_backward(grad_out, c.x)}; },
                 kReductionTol, name + ": backward");
  }
}

// Inference and backward stay on the reference path (dnnl_kernels.h).
TEST_CASE("dnnl batch norm training forward matches the reference") {
  struct NormCase {
    Shape x;
    bool weight, bias;
  };
  std::vector<NormCase> cases{{{4, 3, 7, 5}, true, true},   {{1, 6, 5, 5}, false, false},
                              {{8, 5}, true, true},         {{3, 4, 9}, true, false},
                              {{2, 3, 4, 4}, false, true},  {{16, 32, 8, 8}, true, true}};
  std::uint64_t seed = 500;
  for (const auto& c : cases) {
    const auto channels = c.x[1];
    auto name = to_string(c.x) + (c.weight ? " weight" : "") + (c.bias ? " bias" : "");
    // An offset mean and a non-unit spread exercise the statistics.
    auto x = random_tensor(c.x, ++seed, DType::f32, 1.0, 4.0);
    auto weight = c.weight ? random_tensor({channels}, ++seed, DType::f32, 0.5, 1.5) : Tensor();
    auto bias = c.bias ? random_tensor({channels}, ++seed) : Tensor();
    check_parity(
        [&] {
          auto r = batch_norm(x, weight, bias, 1e-5);
          return std::vector{r.out, r.mean, r.invstd};
        },
        kReductionTol, name);
  }
}

TEST_CASE("dnnl layer norm matches the reference: forward and backward") {
  struct NormCase {
    Shape x;
    std::int64_t normalized_dims;
    bool weight, bias;
  };
  std::vector<NormCase> cases{{{7, 5}, 1, true, true},     {{1, 33}, 1, false, false},
                              {{2, 3, 16}, 1, true, true}, {{4, 6, 5}, 2, true, true},
                              {{5, 8}, 1, true, false},    {{3, 9}, 1, false, true}};
  std::uint64_t seed = 600;
  for (const auto& c : cases) {
    Shape normalized(c.x.end() - c.normalized_dims, c.x.end());
    auto name = to_string(c.x) + " over " + to_string(normalized) + (c.weight ? " weight" : "") +
                (c.bias ? " bias" : "");
    auto x = random_tensor(c.x, ++seed, DType::f32, -2.0, 3.0);
    auto weight = c.weight ? random_tensor(normalized, ++seed, DType::f32, 0.5, 1.5) : Tensor();
    auto bias = c.bias ? random_tensor(normalized, ++seed) : Tensor();
    auto grad_out = random_tensor(c.x, ++seed);
    const double eps = 1e-5;
    check_parity(
        [&] {
          auto r = layer_norm(x, c.normalized_dims, weight, bias, eps);
          return std::vector{r.out, r.mean, r.invstd};
        },
        kReductionTol, name + ": forward");
    NormResult saved;
    {
      ScopedCpuBackend reference(CpuBackend::reference);
      saved = layer_norm(x, c.normalized_dims, weight, bias, eps);
    }
    check_parity(
        [&] {
          auto g = layer_norm_backward(grad_out, x, c.normalized_dims, weight, saved.mean,
                                       saved.invstd);
          std::vector<Tensor> grads{g.x};
          for (const auto& grad : {g.weight, g.bias})
            if (grad.defined()) grads.push_back(grad);
          return grads;
        },
        kReductionTol, name + ": backward");
  }
}

// Strided inputs take the reference path; comparing them checks that they do.
// 5 x 7 x 513 elements lie above the size from which oneDNN runs.
TEST_CASE("dnnl unary ops match the reference, contiguous or strided") {
  struct UnaryCase {
    std::string name;
    Tensor (*op)(const Tensor&);
    double low, high;  // the op's domain
  };
  std::vector<UnaryCase> cases{
      {"relu", relu, -3, 3},   {"gelu", gelu, -5, 5}, {"exp", exp, -20, 20},
      {"sqrt", sqrt, 0, 100},  {"abs", abs, -3, 3},   {"tanh", tanh, -8, 8},
      {"sigmoid", sigmoid, -20, 20},
  };
  std::uint64_t seed = 700;
  for (const auto& c : cases) {
    auto x = random_tensor({5, 7, 513}, ++seed, DType::f32, c.low, c.high);
    check_parity([&] { return std::vector{c.op(x)}; }, kElementwiseTol, c.name + " contiguous");
    auto strided = x.transpose(0, 2);
    check_parity([&] { return std::vector{c.op(strided)}; }, kElementwiseTol,
                 c.name + " transposed");
  }
}

// gelu_backward (a * gelu'(b)) runs on oneDNN for same-shape contiguous f32
// operands; a broadcast gradient falls back to the reference.
TEST_CASE("dnnl gelu_backward matches the reference") {
  const auto x = random_tensor({5, 7, 513}, 750, DType::f32, -6, 6);
  const auto grad_out = random_tensor({5, 7, 513}, 751, DType::f32, -2, 2);
  check_parity([&] { return std::vector{gelu_backward(grad_out, x)}; }, kElementwiseTol,
               "gelu_backward");
  const auto row = random_tensor({513}, 752, DType::f32, -2, 2);
  check_parity([&] { return std::vector{gelu_backward(row.expand(x.shape()), x)}; },
               kElementwiseTol, "gelu_backward, broadcast gradient");
}

// oneDNN runs where no elements follow the softmax dim (the last dim, or one
// followed by size-1 dims); the other dims check that they fall back. 5040
// elements: above the sizes from which oneDNN runs, forward and backward.
TEST_CASE("dnnl softmax and log-softmax match the reference along every dim") {
  auto x = random_tensor({8, 9, 70, 1}, 800, DType::f32, -10, 10);
  std::uint64_t seed = 801;
  for (std::int64_t dim : {0, 1, 2, 3, -1}) {
    auto name = "dim " + std::to_string(dim);
    auto grad_out = random_tensor(x.shape(), ++seed);
    check_parity(
        [&] {
          auto y = softmax(x, dim), log_y = log_softmax(x, dim);
          return std::vector{y, log_y};
        },
        kReductionTol, name + ": forward");
    Tensor y, log_y;
    {
      ScopedCpuBackend reference(CpuBackend::reference);
      y = softmax(x, dim);
      log_y = log_softmax(x, dim);
    }
    check_parity(
        [&] {
          return std::vector{softmax_backward(grad_out, y, dim),
                             log_softmax_backward(grad_out, log_y, dim)};
        },
        kReductionTol, name + ": backward");
  }
}

#endif  // CHASE_WITH_DNNL

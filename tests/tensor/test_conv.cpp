// conv2d and its gradients on the reference kernels: hand-computed outputs,
// a naive bounds-checked loop on random configurations, the adjoint identities
// that tie the two gradients to the forward, and the argument errors.
#include "tensor/ops.h"
#include "tests/tensor/reference_checks.h"

using namespace chase;
using chase::test::check_close;
using chase::test::inner_product;
using chase::test::random_tensor;
using chase::test::ReferenceBackend;

namespace {

// The definition, one output at a time, skipping taps that land in the padding.
Tensor naive_conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dOptions& o) {
  const Shape os = conv2d_output_shape(x.shape(), w.shape(), o);
  const auto ci_per_group = w.size(1), co_per_group = w.size(0) / o.groups;
  const auto H = x.size(2), W = x.size(3), C = x.size(1);
  auto vx = x.to_vector(), vw = w.to_vector();
  auto vb = bias.defined() ? bias.to_vector() : std::vector<double>(os[1], 0.0);
  std::vector<double> out;
  for (std::int64_t n = 0; n < os[0]; ++n)
    for (std::int64_t co = 0; co < os[1]; ++co)
      for (std::int64_t oh = 0; oh < os[2]; ++oh)
        for (std::int64_t ow = 0; ow < os[3]; ++ow) {
          double sum = vb[co];
          for (std::int64_t c = 0; c < ci_per_group; ++c)
            for (std::int64_t kh = 0; kh < w.size(2); ++kh)
              for (std::int64_t kw = 0; kw < w.size(3); ++kw) {
                auto ih = oh * o.stride[0] - o.padding[0] + kh * o.dilation[0];
                auto iw = ow * o.stride[1] - o.padding[1] + kw * o.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                auto ci = (co / co_per_group) * ci_per_group + c;
                sum += vx[((n * C + ci) * H + ih) * W + iw] *
                       vw[((co * ci_per_group + c) * w.size(2) + kh) * w.size(3) + kw];
              }
          out.push_back(sum);
        }
  return Tensor::from_vector(out, os, x.dtype());
}

struct Case {
  Shape x, w;
  Conv2dOptions options;
};

// Odd sizes, batch 1, rectangular kernels, every option and their combinations.
const std::vector<Case> cases = {
    {{1, 1, 5, 5}, {1, 1, 3, 3}, {}},
    {{2, 3, 7, 6}, {4, 3, 3, 2}, {{1, 1}, {1, 0}, {1, 1}, 1}},
    {{1, 2, 9, 8}, {3, 2, 3, 3}, {{2, 3}, {1, 2}, {1, 1}, 1}},
    {{2, 2, 9, 7}, {2, 2, 3, 2}, {{1, 2}, {2, 1}, {2, 3}, 1}},
    {{2, 4, 6, 5}, {6, 2, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 2}},
    {{1, 3, 8, 8}, {3, 1, 3, 3}, {{2, 2}, {1, 1}, {1, 1}, 3}},  // depthwise
    {{2, 2, 5, 7}, {6, 1, 3, 3}, {{1, 2}, {2, 2}, {2, 1}, 2}},  // depthwise, multiplier 3
    {{3, 5, 4, 4}, {2, 5, 1, 1}, {}},                            // pointwise
    {{1, 1, 3, 3}, {1, 1, 3, 3}, {{4, 4}, {3, 3}, {1, 1}, 1}},  // stride beyond the kernel
};

}  // namespace

TEST_CASE_FIXTURE(ReferenceBackend, "conv2d of a 3x3 image by a 2x2 kernel, by hand") {
  for (auto dtype : {DType::f32, DType::f64}) {
    auto x = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, dtype);
    auto w = Tensor::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}, dtype);
    CHECK(conv2d(x, w).to_vector() == std::vector<double>{37, 47, 67, 77});
    auto bias = Tensor::from_vector({-1}, {1}, dtype);
    CHECK(conv2d(x, w, bias).to_vector() == std::vector<double>{36, 46, 66, 76});
    // Padding 1, stride 2: the corners see one, two or four taps.
    auto strided = conv2d(x, w, {}, {.stride = {2, 2}, .padding = {1, 1}});
    CHECK(strided.shape() == Shape{1, 1, 2, 2});
    CHECK(strided.to_vector() == std::vector<double>{4, 18, 36, 77});
    // Dilation 2: the taps are the four corners of the image.
    auto dilated = conv2d(x, w, {}, {.dilation = {2, 2}});
    CHECK(dilated.shape() == Shape{1, 1, 1, 1});
    CHECK(dilated.item() == 1 * 1 + 3 * 2 + 7 * 3 + 9 * 4);
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "grouped and depthwise conv2d by hand") {
  // Two channels: the 3x3 ramp and all ones; groups = 2 keeps them apart.
  auto x = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                               {1, 2, 3, 3}, DType::f64);
  auto w = Tensor::from_vector({1, 2, 3, 4, 1, 1, 1, 1}, {2, 1, 2, 2}, DType::f64);
  CHECK(conv2d(x, w, {}, {.groups = 2}).to_vector() ==
        std::vector<double>{37, 47, 67, 77, 4, 4, 4, 4});
  // Depthwise with multiplier 2: output channels 0, 1 read input 0; 2, 3 read input 1.
  auto w4 = Tensor::from_vector({1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 2},
                                {4, 1, 2, 2}, DType::f64);
  CHECK(conv2d(x, w4, {}, {.groups = 2}).to_vector() ==
        std::vector<double>{1, 2, 4, 5, 5, 6, 8, 9, 1, 1, 1, 1, 8, 8, 8, 8});
}

TEST_CASE_FIXTURE(ReferenceBackend, "conv2d matches the naive loop on random configurations") {
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    CAPTURE(to_string(c.x));
    CAPTURE(to_string(c.w));
    for (auto dtype : {DType::f32, DType::f64}) {
      auto x = random_tensor(c.x, seed++, dtype);
      auto w = random_tensor(c.w, seed++, dtype);
      auto bias = random_tensor({c.w[0]}, seed++, dtype);
      const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
      check_close(conv2d(x, w, bias, c.options), naive_conv2d(x, w, bias, c.options), tol, tol);
    }
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "conv2d gradients are the adjoints of the forward (f64)") {
  // conv2d is bilinear in (x, w): <conv(x, w), g> = <x, backward_input(g, w)>
  // = <w, backward_weight(g, x)> for every g.
  std::uint64_t seed = 200;
  for (const auto& c : cases) {
    CAPTURE(to_string(c.x));
    CAPTURE(to_string(c.w));
    auto x = random_tensor(c.x, seed++, DType::f64);
    auto w = random_tensor(c.w, seed++, DType::f64);
    auto g = random_tensor(conv2d_output_shape(c.x, c.w, c.options), seed++, DType::f64);
    const double forward = inner_product(conv2d(x, w, {}, c.options), g);
    const double via_input = inner_product(x, conv2d_backward_input(g, w, c.x, c.options));
    const double via_weight = inner_product(w, conv2d_backward_weight(g, x, c.w, c.options));
    CHECK(via_input == doctest::Approx(forward).epsilon(1e-12));
    CHECK(via_weight == doctest::Approx(forward).epsilon(1e-12));
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "a grouped conv2d is the concatenation of per-group convs") {
  const Conv2dOptions grouped{{2, 1}, {1, 1}, {1, 2}, 2};
  auto x = random_tensor({2, 4, 7, 9}, 300, DType::f64);
  auto w = random_tensor({6, 2, 3, 3}, 301, DType::f64);
  auto g = random_tensor(conv2d_output_shape(x.shape(), w.shape(), grouped), 302, DType::f64);
  auto out = conv2d(x, w, {}, grouped);
  auto grad_x = conv2d_backward_input(g, w, x.shape(), grouped);
  auto grad_w = conv2d_backward_weight(g, x, w.shape(), grouped);
  Conv2dOptions single = grouped;
  single.groups = 1;
  for (std::int64_t k = 0; k < 2; ++k) {
    auto xk = x.narrow(1, 2 * k, 2), wk = w.narrow(0, 3 * k, 3), gk = g.narrow(1, 3 * k, 3);
    check_close(out.narrow(1, 3 * k, 3), conv2d(xk, wk, {}, single), 1e-12, 1e-12, "forward");
    check_close(grad_x.narrow(1, 2 * k, 2), conv2d_backward_input(gk, wk, xk.shape(), single),
                1e-12, 1e-12, "backward_input");
    check_close(grad_w.narrow(0, 3 * k, 3), conv2d_backward_weight(gk, xk, wk.shape(), single),
                1e-12, 1e-12, "backward_weight");
  }
}

TEST_CASE_FIXTURE(ReferenceBackend, "a 1x1 conv2d is a matmul over channels") {
  auto x = random_tensor({2, 5, 3, 4}, 400, DType::f64);
  auto w = random_tensor({7, 5, 1, 1}, 401, DType::f64);
  auto out = conv2d(x, w);
  // [7, 5] @ [2, 5, 12] -> [2, 7, 12]
  auto expected = matmul(w.view({7, 5}), x.view({2, 5, 12}));
  check_close(out.view({2, 7, 12}), expected, 1e-12, 1e-12);
}

TEST_CASE_FIXTURE(ReferenceBackend, "conv2d takes non-contiguous inputs") {
  auto x_nhwc = random_tensor({2, 6, 5, 3}, 500, DType::f64);
  auto x = x_nhwc.permute({0, 3, 1, 2});  // NCHW view of NHWC memory
  auto w = random_tensor({3, 3, 4, 3}, 501, DType::f64).transpose(2, 3);  // [3, 3, 3, 4]
  REQUIRE(!x.is_contiguous());
  REQUIRE(!w.is_contiguous());
  const Conv2dOptions o{{1, 2}, {1, 1}, {1, 1}, 1};
  check_close(conv2d(x, w, {}, o), conv2d(x.contiguous(), w.contiguous(), {}, o), 0, 0);
  auto g = random_tensor(conv2d_output_shape(x.shape(), w.shape(), o), 502, DType::f64);
  auto g_strided = g.transpose(2, 3).contiguous().transpose(2, 3);
  check_close(conv2d_backward_input(g_strided, w, x.shape(), o),
              conv2d_backward_input(g, w.contiguous(), x.shape(), o), 0, 0);
  check_close(conv2d_backward_weight(g_strided, x, w.shape(), o),
              conv2d_backward_weight(g, x.contiguous(), w.shape(), o), 0, 0);
}

TEST_CASE("conv2d output shapes") {
  CHECK(conv2d_output_shape({2, 3, 32, 32}, {16, 3, 3, 3}, {.padding = {1, 1}}) ==
        Shape{2, 16, 32, 32});
  CHECK(conv2d_output_shape({2, 3, 32, 31}, {16, 3, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}) ==
        Shape{2, 16, 16, 16});
  CHECK(conv2d_output_shape({1, 8, 10, 10}, {8, 1, 3, 3}, {.dilation = {2, 3}, .groups = 8}) ==
        Shape{1, 8, 6, 4});
}

TEST_CASE("conv2d errors name the op, the expected and the actual") {
  auto x = Tensor::empty({2, 4, 8, 8});
  CHECK_THROWS_WITH_AS(conv2d(Tensor::empty({4, 8, 8}), Tensor::empty({2, 4, 3, 3})),
                       "conv2d: expected input [N, C, H, W], got shape [4, 8, 8]", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 3, 3, 3})),
                       "conv2d: weight of shape [2, 3, 3, 3] with groups = 1 takes 3 input "
                       "channels, input of shape [2, 4, 8, 8] has 4",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 1, 3, 3}), {}, {.groups = 3}),
                       doctest::Contains("4 input channels (input shape [2, 4, 8, 8]) are not "
                                         "divisible by groups = 3"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({3, 2, 3, 3}), {}, {.groups = 2}),
                       doctest::Contains("3 output channels"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 4, 3, 3}), Tensor::empty({3})),
                       "conv2d: bias must have shape [2], got [3]", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 4, 3, 3}, DType::f64)),
                       "conv2d: weight is f64 but input is f32", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 4, 5, 5}), {}, {.dilation = {2, 2}}),
                       doctest::Contains("the kernel spans 9x9 (with dilation) but the padded "
                                         "input is only 8x8"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 4, 3, 3}), {}, {.stride = {0, 1}}),
                       "conv2d: stride must be positive, got (0, 1)", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::empty({2, 4, 3, 3}), {}, {.padding = {-1, 0}}),
                       "conv2d: padding must be non-negative, got (-1, 0)", Error);
  CHECK_THROWS_WITH_AS(
      conv2d_backward_input(Tensor::empty({2, 2, 5, 5}), Tensor::empty({2, 4, 3, 3}),
                            x.shape(), {}),
      "conv2d_backward_input: grad_out must have shape [2, 2, 6, 6], got [2, 2, 5, 5]", Error);
  CHECK_THROWS_WITH_AS(
      conv2d_backward_weight(Tensor::empty({2, 2, 6, 6}), x, {2, 4, 3}, {}),
      "conv2d_backward_weight: expected weight [Co, Ci/groups, Kh, Kw], got shape [2, 4, 3]",
      Error);
}

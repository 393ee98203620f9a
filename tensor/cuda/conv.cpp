// 2-d convolution and its two gradients through cuDNN (NCHW, groups and
// dilation native). Descriptors and the algorithm of each direction are built
// once per problem (dtype, shapes, options) and cached: the same layer sees
// the same shapes every step. Algorithms come from cuDNN's heuristics, not a
// timed search, so the choice is immediate and the same on every run; among
// the candidates the first deterministic one that runs in plain FMA
// arithmetic wins (CUDNN_FMA_MATH: no TF32 tensor-core rounding of f32, which
// would differ from the reference by ~1e-3), with at most kWorkspaceLimit of
// scratch memory, taken from the caching allocator.
//
// The legacy convolution API used here is deprecated in cuDNN 9 but complete;
// cuDNN warns about it only when CUDNN_WARN_DEPRECATED is defined.
#include <cudnn.h>

#include <array>
#include <climits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/runtime.h"

namespace chase::cuda {
namespace {

constexpr std::size_t kWorkspaceLimit = std::size_t{512} << 20;

void check_cudnn(cudnnStatus_t status, const char* op) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  throw Error(fmt::format("{}: cuDNN error {}{}{}", op, cudnnGetErrorString(status),
                          detail[0] != '\0' ? ": " : "", detail));
}

int as_int(std::int64_t value, const char* op) {
  CHASE_CHECK(value <= INT_MAX, "{}: size {} exceeds cuDNN's 32-bit limit", op, value);
  return static_cast<int>(value);
}

// Owns one cuDNN descriptor.
template <class Handle, cudnnStatus_t (*create)(Handle*), cudnnStatus_t (*destroy)(Handle)>
class Descriptor {
 public:
  Descriptor() { check_cudnn(create(&handle_), "conv2d: creating a descriptor"); }
  ~Descriptor() { destroy(handle_); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using TensorDescriptor =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
               cudnnDestroyConvolutionDescriptor>;

template <class Algo>
struct Choice {
  Algo algo;
  std::size_t workspace_bytes;
};

// Everything cuDNN needs for one problem, built on first use.
struct ConvPlan {
  TensorDescriptor x, y, bias;
  FilterDescriptor w;
  ConvolutionDescriptor conv;
  std::optional<Choice<cudnnConvolutionFwdAlgo_t>> forward;
  std::optional<Choice<cudnnConvolutionBwdDataAlgo_t>> backward_data;
  std::optional<Choice<cudnnConvolutionBwdFilterAlgo_t>> backward_filter;
};

// dtype, x [N, C, H, W], w [Co, C/g, Kh, Kw], stride, padding, dilation, groups.
using PlanKey = std::array<std::int64_t, 16>;

// A device's handle (bound to its stream) and plans. Never destroyed; one
// mutex serialises use, as a handle may not serve two threads at once.
struct Dnn {
  cudnnHandle_t handle = nullptr;
  std::map<PlanKey, std::unique_ptr<ConvPlan>> plans;
  std::mutex mutex;
};

// The current device's.
Dnn& dnn() {
  static auto& per_device = *new PerDevice<Dnn>;
  return per_device.get(current_device(), [] {
    auto* created = new Dnn;
    check_cudnn(cudnnCreate(&created->handle), "conv2d: cudnnCreate");
    check_cudnn(cudnnSetStream(created->handle, stream()), "conv2d: cudnnSetStream");
    return created;
  });
}

cudnnDataType_t data_type(DType dtype) {
  return dtype == DType::f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
}

void describe_tensor(const TensorDescriptor& desc, DType dtype, const Shape& s, const char* op) {
  check_cudnn(
      cudnnSetTensor4dDescriptor(desc.get(), CUDNN_TENSOR_NCHW, data_type(dtype), as_int(s[0], op),
                                 as_int(s[1], op), as_int(s[2], op), as_int(s[3], op)),
      op);
}

// The plan for input x, weight w and output y (shapes), made on first use.
// Called with the mutex held.
ConvPlan& plan_for(Dnn& library, DType dtype, const Shape& x, const Shape& w, const Shape& y,
                   const Conv2dOptions& o, const char* op) {
  const PlanKey key = {static_cast<std::int64_t>(dtype), x[0], x[1], x[2], x[3],  //
                       w[0], w[1], w[2], w[3], o.stride[0], o.stride[1], o.padding[0],
                       o.padding[1], o.dilation[0], o.dilation[1], o.groups};
  auto& slot = library.plans[key];
  if (slot) return *slot;
  auto plan = std::make_unique<ConvPlan>();
  describe_tensor(plan->x, dtype, x, op);
  describe_tensor(plan->y, dtype, y, op);
  describe_tensor(plan->bias, dtype, {1, y[1], 1, 1}, op);
  check_cudnn(cudnnSetFilter4dDescriptor(plan->w.get(), data_type(dtype), CUDNN_TENSOR_NCHW,
                                         as_int(w[0], op), as_int(w[1], op), as_int(w[2], op),
                                         as_int(w[3], op)),
              op);
  check_cudnn(cudnnSetConvolution2dDescriptor(
                  plan->conv.get(), as_int(o.padding[0], op), as_int(o.padding[1], op),
                  as_int(o.stride[0], op), as_int(o.stride[1], op), as_int(o.dilation[0], op),
                  as_int(o.dilation[1], op), CUDNN_CROSS_CORRELATION, data_type(dtype)),
              op);
  check_cudnn(cudnnSetConvolutionGroupCount(plan->conv.get(), as_int(o.groups, op)), op);
  check_cudnn(cudnnSetConvolutionMathType(plan->conv.get(), CUDNN_FMA_MATH), op);
  slot = std::move(plan);
  return *slot;
}

// The first heuristic candidate that runs, in FMA arithmetic, within the
// workspace limit, preferring deterministic ones: the backward algorithms
// that accumulate with atomics (CUDNN_NON_DETERMINISTIC) give f32 sums whose
// rounding changes from run to run, which would break bit-identical resumed
// training. Every forward algorithm and the backward ALGO_1s are
// deterministic, so the fallback to any usable candidate is a safety net.
template <class Perf, std::size_t kCount>
auto first_usable(const std::array<Perf, kCount>& candidates, int returned, const char* op) {
  auto usable = [](const Perf& p) {
    const bool tensor_cores =
        p.mathType == CUDNN_TENSOR_OP_MATH || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    return p.status == CUDNN_STATUS_SUCCESS && !tensor_cores && p.memory <= kWorkspaceLimit;
  };
  for (int i = 0; i < returned; ++i)
    if (usable(candidates[i]) && candidates[i].determinism == CUDNN_DETERMINISTIC)
      return candidates[i].algo;
  for (int i = 0; i < returned; ++i)
    if (usable(candidates[i])) return candidates[i].algo;
  throw Error(
      fmt::format("{}: cuDNN offers no algorithm for this problem in FMA arithmetic "
                  "within {} bytes of workspace ({} candidates)",
                  op, kWorkspaceLimit, returned));
}

// Scratch memory for cuDNN from the caching allocator (undefined when none is needed).
Tensor workspace(std::size_t bytes) {
  if (bytes == 0) return {};
  return Tensor::empty({static_cast<std::int64_t>((bytes + 7) / 8)}, DType::i64, current());
}

void* data_or_null(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

// cuDNN's scaling factors: float for float data, double for double.
struct Scale {
  float f32;
  double f64;
  const void* of(DType dtype) const {
    return dtype == DType::f64 ? static_cast<const void*>(&f64) : static_cast<const void*>(&f32);
  }
};
constexpr Scale kOne{1.0f, 1.0}, kZero{0.0f, 0.0};

}  // namespace

void CudaKernels::conv2d(const Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                         const Conv2dOptions& options) {
  constexpr const char* op = "conv2d";
  select_device(op, out, x, w, bias);
  if (out.numel() == 0) return;
  // No input channels, or an input of padding only: nothing to convolve, and
  // cuDNN refuses zero-sized dims. Every output is its bias.
  if (x.numel() == 0) {
    if (!bias.defined()) return fill(out, 0.0);
    return copy(out, bias.view({1, bias.size(0), 1, 1}).expand(out.shape()));
  }
  Dnn& library = dnn();
  std::lock_guard lock(library.mutex);
  ConvPlan& plan = plan_for(library, x.dtype(), x.shape(), w.shape(), out.shape(), options, op);
  if (!plan.forward) {
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> candidates{};
    int returned = 0;
    check_cudnn(cudnnGetConvolutionForwardAlgorithm_v7(
                    library.handle, plan.x.get(), plan.w.get(), plan.conv.get(), plan.y.get(),
                    static_cast<int>(candidates.size()), &returned, candidates.data()),
                op);
    const auto algo = first_usable(candidates, returned, op);
    std::size_t bytes = 0;
    check_cudnn(
        cudnnGetConvolutionForwardWorkspaceSize(library.handle, plan.x.get(), plan.w.get(),
                                                plan.conv.get(), plan.y.get(), algo, &bytes),
        op);
    plan.forward = Choice<cudnnConvolutionFwdAlgo_t>{algo, bytes};
  }
  const Tensor scratch = workspace(plan.forward->workspace_bytes);
  check_cudnn(cudnnConvolutionForward(
                  library.handle, kOne.of(x.dtype()), plan.x.get(), x.raw_data(), plan.w.get(),
                  w.raw_data(), plan.conv.get(), plan.forward->algo, data_or_null(scratch),
                  plan.forward->workspace_bytes, kZero.of(x.dtype()), plan.y.get(), out.raw_data()),
              op);
  if (bias.defined()) {
    check_cudnn(cudnnAddTensor(library.handle, kOne.of(x.dtype()), plan.bias.get(), bias.raw_data(),
                               kOne.of(x.dtype()), plan.y.get(), out.raw_data()),
                op);
  }
}

void CudaKernels::conv2d_backward_input(const Tensor& grad_x, const Tensor& grad_out,
                                        const Tensor& w, const Conv2dOptions& options) {
  constexpr const char* op = "conv2d_backward_input";
  select_device(op, grad_x, grad_out, w);
  if (grad_x.numel() == 0) return;
  // No output positions or no weights: nothing reaches the input.
  if (grad_out.numel() == 0 || w.numel() == 0) return fill(grad_x, 0.0);
  Dnn& library = dnn();
  std::lock_guard lock(library.mutex);
  ConvPlan& plan =
      plan_for(library, grad_x.dtype(), grad_x.shape(), w.shape(), grad_out.shape(), options, op);
  if (!plan.backward_data) {
    std::array<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>
        candidates{};
    int returned = 0;
    check_cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                    library.handle, plan.w.get(), plan.y.get(), plan.conv.get(), plan.x.get(),
                    static_cast<int>(candidates.size()), &returned, candidates.data()),
                op);
    const auto algo = first_usable(candidates, returned, op);
    std::size_t bytes = 0;
    check_cudnn(
        cudnnGetConvolutionBackwardDataWorkspaceSize(library.handle, plan.w.get(), plan.y.get(),
                                                     plan.conv.get(), plan.x.get(), algo, &bytes),
        op);
    plan.backward_data = Choice<cudnnConvolutionBwdDataAlgo_t>{algo, bytes};
  }
  const Tensor scratch = workspace(plan.backward_data->workspace_bytes);
  check_cudnn(cudnnConvolutionBackwardData(
                  library.handle, kOne.of(grad_x.dtype()), plan.w.get(), w.raw_data(), plan.y.get(),
                  grad_out.raw_data(), plan.conv.get(), plan.backward_data->algo,
                  data_or_null(scratch), plan.backward_data->workspace_bytes,
                  kZero.of(grad_x.dtype()), plan.x.get(), grad_x.raw_data()),
              op);
}

void CudaKernels::conv2d_backward_weight(const Tensor& grad_w, const Tensor& grad_out,
                                         const Tensor& x, const Conv2dOptions& options) {
  constexpr const char* op = "conv2d_backward_weight";
  select_device(op, grad_w, grad_out, x);
  if (grad_w.numel() == 0) return;
  // An empty batch (or no output positions) contributes nothing: the sum is 0.
  if (grad_out.numel() == 0 || x.numel() == 0) return fill(grad_w, 0.0);
  Dnn& library = dnn();
  std::lock_guard lock(library.mutex);
  ConvPlan& plan =
      plan_for(library, x.dtype(), x.shape(), grad_w.shape(), grad_out.shape(), options, op);
  if (!plan.backward_filter) {
    std::array<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>
        candidates{};
    int returned = 0;
    check_cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                    library.handle, plan.x.get(), plan.y.get(), plan.conv.get(), plan.w.get(),
                    static_cast<int>(candidates.size()), &returned, candidates.data()),
                op);
    const auto algo = first_usable(candidates, returned, op);
    std::size_t bytes = 0;
    check_cudnn(
        cudnnGetConvolutionBackwardFilterWorkspaceSize(library.handle, plan.x.get(), plan.y.get(),
                                                       plan.conv.get(), plan.w.get(), algo, &bytes),
        op);
    plan.backward_filter = Choice<cudnnConvolutionBwdFilterAlgo_t>{algo, bytes};
  }
  const Tensor scratch = workspace(plan.backward_filter->workspace_bytes);
  check_cudnn(cudnnConvolutionBackwardFilter(
                  library.handle, kOne.of(x.dtype()), plan.x.get(), x.raw_data(), plan.y.get(),
                  grad_out.raw_data(), plan.conv.get(), plan.backward_filter->algo,
                  data_or_null(scratch), plan.backward_filter->workspace_bytes, kZero.of(x.dtype()),
                  plan.w.get(), grad_w.raw_data()),
              op);
}

}  // namespace chase::cuda

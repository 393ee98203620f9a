// End-to-end on the GPU: a small CNN trains to the CPU's loss curve, its
// steady-state steps allocate no device memory, an out-of-memory request says
// what it asked for, and pinned uploads deliver their batches.
#include <cmath>
#include <memory>
#include <utility>

#include "autograd/functions.h"
#include "autograd/op_registry.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/optim/sgd.h"
#include "nn/relu.h"
#include "nn/sequential.h"
#include "tensor/allocator.h"
#include "tensor/cuda/pinned_upload.h"
#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::random_tensor;
using chase::test::no_usable_gpu;

namespace {

// conv 3x3 -> batch norm -> relu -> max pool -> linear, on 1x8x8 images.
std::shared_ptr<Sequential> small_cnn(DType dtype, Device device) {
  Generator gen(7);
  auto model = std::make_shared<Sequential>();
  model->push_back(
      std::make_shared<Conv2d>(1, 4, Pair{3, 3}, gen, Conv2dOptions{.padding = {1, 1}}));
  model->push_back(std::make_shared<BatchNorm2d>(4));
  model->push_back(std::make_shared<ReLU>());
  model->push_back(std::make_shared<MaxPool2d>(Pool2dOptions{}));
  model->push_back(std::make_shared<Flatten>());
  model->push_back(std::make_shared<Linear>(4 * 4 * 4, 3, gen));
  model->to(dtype);
  model->to(device);
  return model;
}

// One SGD step on a fixed batch; returns the loss.
double train_step(Sequential& model, Sgd& sgd, const Tensor& images, const Tensor& labels) {
  sgd.zero_grad();
  Variable loss = cross_entropy(model(Variable(images)), labels);
  loss.backward();
  sgd.step();
  return loss.value().item();
}

struct Batch {
  Tensor images, labels;
};

Batch fixed_batch(DType dtype, Device device) {
  return {random_tensor({6, 1, 8, 8}, 11, dtype).to(device), index_pattern({6}, 3).to(device)};
}

}  // namespace

// Tolerances, as a fraction of the first loss. The devices sum in different
// orders (cuBLAS and cuDNN pick their own algorithms), so each step's loss
// differs by roundings: ~1e-16 of the logits' scale in f64, ~1e-7 in f32.
// Training does not amplify them here, as measured on the CPU: a 1e-12 change
// of the input moves the 30-step f64 curve by at most 1.1e-13 of the first
// loss, and the f32 curves of the reference and oneDNN backends (two
// summation orders) differ by at most 1.4e-6 of it. The tolerances sit well
// above those, 1e-9 (f64) and 1e-4 (f32), while a wrong kernel moves the loss
// by 1e-3 or more. Absolute, not relative to each step's loss, because the
// loss falls to ~5e-5 while its rounding stays on the logits' scale.
TEST_CASE("a small CNN follows the reference CPU's loss curve on the GPU" *
          doctest::skip(no_usable_gpu())) {
  ScopedCpuBackend reference(CpuBackend::reference);
  for (const auto& [dtype, tolerance] :
       {std::pair{DType::f64, 1e-9}, std::pair{DType::f32, 1e-4}}) {
    auto cpu_model = small_cnn(dtype, Device::cpu());
    auto gpu_model = small_cnn(dtype, Device::cuda());
    const SgdOptions options{.lr = 0.1, .momentum = 0.9};
    Sgd cpu_sgd(cpu_model->named_parameters(), options);
    Sgd gpu_sgd(gpu_model->named_parameters(), options);
    const Batch cpu_batch = fixed_batch(dtype, Device::cpu());
    const Batch gpu_batch = fixed_batch(dtype, Device::cuda());
    double first = 0.0, last = 0.0;
    for (int step = 0; step < 30; ++step) {
      const double cpu_loss = train_step(*cpu_model, cpu_sgd, cpu_batch.images, cpu_batch.labels);
      const double gpu_loss = train_step(*gpu_model, gpu_sgd, gpu_batch.images, gpu_batch.labels);
      if (step == 0) first = cpu_loss;
      last = cpu_loss;
      INFO(name(dtype), " step ", step, ": cpu ", cpu_loss, ", gpu ", gpu_loss);
      CHECK(std::abs(gpu_loss - cpu_loss) <= tolerance * first);
    }
    CHECK(last < first * 0.5);  // it did learn: the comparison is not of two flat lines
  }
}

TEST_CASE("after warm-up, training steps reuse cached GPU memory: no growth over 100 steps" *
          doctest::skip(no_usable_gpu())) {
  auto model = small_cnn(DType::f32, Device::cuda());
  Sgd sgd(model->named_parameters(), {.lr = 0.05, .momentum = 0.9});
  const Batch batch = fixed_batch(DType::f32, Device::cuda());
  // Step 1 creates the momentum buffers; from step 2 on every step is alike.
  train_step(*model, sgd, batch.images, batch.labels);
  train_step(*model, sgd, batch.images, batch.labels);
  const auto warm = cuda::device_memory_stats();
  const auto warm_live = allocator_for(Device::cuda()).stats().live_bytes;
  for (int step = 0; step < 100; ++step) train_step(*model, sgd, batch.images, batch.labels);
  const auto after = cuda::device_memory_stats();
  CHECK(after.device_allocations == warm.device_allocations);
  CHECK(after.reserved_bytes == warm.reserved_bytes);
  CHECK(allocator_for(Device::cuda()).stats().live_bytes == warm_live);
  CHECK(warm.device_allocations > 0);
}

TEST_CASE("an impossible allocation names its size and the cache it released" *
          doctest::skip(no_usable_gpu())) {
  { const Tensor cached = zeros({1 << 20}, DType::f32, Device::cuda()); }  // leaves a cached block
  CHECK(allocator_for(Device::cuda()).stats().cached_bytes > 0);
  const std::int64_t huge = std::int64_t{1} << 50;  // 4 PiB of f32
  CHECK_THROWS_WITH_AS(
      Tensor::empty({huge}, DType::f32, Device::cuda()),
      doctest::Contains("out of memory on cuda:0 allocating 4503599627370496 bytes"), Error);
  CHECK(allocator_for(Device::cuda()).stats().cached_bytes == 0);
  // The failure is not sticky: the GPU still computes.
  CHECK(sum(ones({10}, DType::f32, Device::cuda())).item() == 10.0);
}

TEST_CASE("pinned uploads deliver every batch, in order, from strided host tensors" *
          doctest::skip(no_usable_gpu())) {
  std::vector<Tensor> uploaded, expected;
  {
    cuda::PinnedUploader uploader(Device::cuda());
    for (int i = 0; i < 5; ++i) {
      // Growing batches make the two buffers grow too.
      const Tensor host = random_tensor({3 + i * 100, 9}, 20 + i, DType::f64).transpose(0, 1);
      expected.push_back(host.contiguous());
      uploaded.push_back(uploader.upload(host));
    }
  }
  for (std::size_t i = 0; i < uploaded.size(); ++i) {
    INFO("batch ", i);
    CHECK(uploaded[i].device() == Device::cuda());
    CHECK(max_abs_diff(uploaded[i], expected[i]) == 0.0);
  }
}

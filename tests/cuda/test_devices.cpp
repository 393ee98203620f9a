// More than one GPU: each device has its own stream, allocator and library
// handles, and an op runs on the device of its tensors. These cases need two
// GPUs and are skipped elsewhere; test_backend.cpp checks, on any machine,
// that an index past the usable GPUs is refused.
#include <exception>
#include <thread>

#include "autograd/functions.h"
#include "tensor/allocator.h"
#include "tensor/cuda/pinned_upload.h"
#include "tests/cuda/cuda_test_util.h"

using namespace chase;
using chase::test::check_close;
using chase::test::random_tensor;

namespace {

bool fewer_than_two_gpus() { return cuda::device_count() < 2; }

}  // namespace

TEST_CASE("copies between two GPUs keep every value, strided and converted" *
          doctest::skip(fewer_than_two_gpus())) {
  const Device first = Device::cuda(0), second = Device::cuda(1);
  const Tensor host = random_tensor({5, 7}, 1, DType::f64);
  const Tensor on_first = host.to(first);
  const Tensor on_second = on_first.to(second);
  CHECK(on_second.device() == second);
  CHECK(on_second.to(Device::cpu()).to_vector() == host.to_vector());
  // A transposed view into a converted, strided destination on the other GPU.
  const Tensor target = Tensor::empty({14, 5}, DType::f32, second).slice(0, 0, 14, 2);
  kernels_for(second).copy(target, on_first.transpose(0, 1));
  check_close(target.to(Device::cpu()), host.transpose(0, 1).to(DType::f32), 0, 0,
              "transposed copy to cuda:1");
}

TEST_CASE("ops run on their tensors' GPU and refuse a mix of two" *
          doctest::skip(fewer_than_two_gpus())) {
  const Tensor a = random_tensor({33, 17}, 2), b = random_tensor({17, 9}, 3);
  const Tensor expected = matmul(a, b);
  for (int index : {1, 0}) {
    const Device device = Device::cuda(index);
    const Tensor product = matmul(a.to(device), b.to(device));
    CHECK(product.device() == device);
    check_close(product.to(Device::cpu()), expected, 1e-5, 1e-5, "matmul on " + device.str());
    const Tensor total = sum(product, {0});  // an own kernel after a cuBLAS call
    check_close(total.to(Device::cpu()), sum(expected, {0}), 1e-5, 1e-4, "sum on " + device.str());
  }
  CHECK_THROWS_WITH_AS(add(a.to(Device::cuda(0)), a.to(Device::cuda(1))),
                       doctest::Contains("on different devices, cuda:0 and cuda:1"), Error);
}

TEST_CASE("each GPU has its own allocator" * doctest::skip(fewer_than_two_gpus())) {
  Allocator& first = allocator_for(Device::cuda(0));
  Allocator& second = allocator_for(Device::cuda(1));
  CHECK(&first != &second);
  const auto first_live = first.stats().live_bytes, second_live = second.stats().live_bytes;
  const Tensor t = Tensor::empty({1000}, DType::f32, Device::cuda(1));
  CHECK(second.stats().live_bytes == second_live + 4000);
  CHECK(first.stats().live_bytes == first_live);
}

TEST_CASE("a model trains on the second GPU as on the CPU" *
          doctest::skip(fewer_than_two_gpus())) {
  // One gradient step of a linear layer, f64: the GPU's cuBLAS sums differ
  // from the CPU's only in their order.
  const Tensor x = random_tensor({8, 5}, 4, DType::f64), w = random_tensor({5, 3}, 5, DType::f64);
  auto step = [&](Device device) {
    Variable weight(w.to(device), /*requires_grad=*/true);
    sum(tanh(matmul(Variable(x.to(device)), weight))).backward();
    return weight.grad().to(Device::cpu());
  };
  check_close(step(Device::cuda(1)), step(Device::cpu()), 1e-12, 1e-12, "gradient on cuda:1");
}

TEST_CASE("pinned uploads and convolutions run on the second GPU with cuda:0 current" *
          doctest::skip(fewer_than_two_gpus())) {
  // f64: cuDNN's sums differ from the reference's only in their order.
  const Tensor x = random_tensor({2, 3, 9, 9}, 6, DType::f64);
  const Tensor w = random_tensor({4, 3, 3, 3}, 7, DType::f64);
  const Tensor expected = conv2d(x, w, {}, {.padding = {1, 1}});
  const Device second = Device::cuda(1);
  CHECK(sum(x.to(Device::cuda(0))).defined());  // leaves cuda:0 this thread's device
  cuda::PinnedUploader uploader(second);
  const Tensor uploaded = uploader.upload(x);
  CHECK(uploaded.device() == second);
  const Tensor y = conv2d(uploaded, w.to(second), {}, {.padding = {1, 1}});
  check_close(y.to(Device::cpu()), expected, 1e-12, 1e-12, "conv2d on cuda:1");
}

TEST_CASE("a new thread whose first tensor is on cuda:1 then computes on both GPUs" *
          doctest::skip(fewer_than_two_gpus())) {
  // The allocator's device guard leaves such a thread without a selected
  // device; a kernel launched with the runtime still on the other GPU fails.
  std::vector<double> totals;
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      const Tensor first = Tensor::empty({3}, DType::f32, Device::cuda(1));
      for (int index : {0, 1})
        totals.push_back(sum(ones({5}, DType::f32, Device::cuda(index))).item());
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
  CHECK(totals == std::vector<double>{5.0, 5.0});
}

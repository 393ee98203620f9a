#include "tensor/cuda/runtime.h"

#include "tensor/cuda/cuda_backend.h"
#include "tensor/cuda/status.h"

namespace chase::cuda {
namespace {

// The thread's current device as chase last set it, and that device's
// stream once asked for: kernels ask for the stream at every launch.
struct ThreadDevice {
  int index = 0;
  // By set_device. Unselected, index is 0 but the runtime's device may be
  // the one a DeviceGuard left (see its destructor).
  bool selected = false;
  cudaStream_t stream = nullptr;
};
thread_local ThreadDevice thread_device;

struct Stream {
  cudaStream_t handle = nullptr;
};

PerDevice<Stream>& streams() {
  static auto& per_device = *new PerDevice<Stream>;
  return per_device;
}

cudaStream_t stream_of(int index) {
  return streams()
      .get(index,
           [index] {
             // Non-blocking: the legacy default stream, which some libraries
             // use, does not implicitly wait for this one or make it wait.
             DeviceGuard on("cuda stream", index);
             auto* created = new Stream;
             check_cuda(cudaStreamCreateWithFlags(&created->handle, cudaStreamNonBlocking),
                        "cuda stream");
             return created;
           })
      .handle;
}

}  // namespace

void check_usable_device(const char* op, int index) {
  const int count = device_count();
  CHASE_CHECK(index >= 0 && index < count, "{}: cuda:{} is not a usable device ({})", op, index,
              count == 0 ? "no usable CUDA device: " + unavailable_reason()
                         : fmt::format("this machine has cuda:0 .. cuda:{}", count - 1));
}

int current_device() { return thread_device.index; }

Device current() { return Device::cuda(thread_device.index); }

void set_device(const char* op, int index) {
  if (thread_device.selected && index == thread_device.index) return;
  check_usable_device(op, index);
  check_cuda(cudaSetDevice(index), op);
  thread_device = {index, true, nullptr};
}

void select_tensor_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (!t->defined()) continue;
    CHASE_CHECK(t->device().is_cuda(), "{}: a tensor is on {}, expected a CUDA device", op,
                t->device().str());
    if (first == nullptr) first = t;
    CHASE_CHECK(t->device() == first->device(),
                "{}: tensors on {} and {}; an op runs on one device", op, first->device().str(),
                t->device().str());
  }
  if (first != nullptr) set_device(op, first->device().index);
}

DeviceGuard::DeviceGuard(const char* op, int index)
    : previous_(thread_device.selected ? thread_device.index : -1) {
  set_device(op, index);
}

DeviceGuard::~DeviceGuard() {
  if (previous_ == -1) {
    // Restoring the runtime's default, cuda:0, would create a context (and
    // spend its memory) on a GPU this thread may never use. Unselected, the
    // next set_device calls cudaSetDevice whatever the index.
    thread_device = {};
    return;
  }
  if (previous_ == thread_device.index) return;
  // No exceptions out of a destructor; the previous device was usable before.
  if (cudaSetDevice(previous_) == cudaSuccess) thread_device = {previous_, true, nullptr};
}

cudaStream_t stream() {
  if (thread_device.stream == nullptr) {
    // Once selected, the runtime's current device is this thread's index:
    // only set_device and DeviceGuard change either.
    set_device("cuda stream", thread_device.index);
    thread_device.stream = stream_of(thread_device.index);
  }
  return thread_device.stream;
}

void synchronize(const char* op) { check_cuda(cudaStreamSynchronize(stream()), op); }

void synchronize_all(const char* op) {
  streams().for_each([op](int index, const Stream& s) {
    const DeviceGuard on(op, index);  // not cuda:0 by default: it may have no context
    check_cuda(cudaStreamSynchronize(s.handle), op);
  });
}

}  // namespace chase::cuda

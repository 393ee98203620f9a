// The GPUs this backend serves and the stream each one's work is queued on.
//
// Every GPU the runtime reports is served: cuda:0 .. cuda:N-1, each with its
// own stream, caching allocator and cuBLAS/cuDNN handles. A host thread works
// on one device at a time, its current device: each kernel entry point first
// selects the device of its tensors (select_device), and stream(), the
// allocator and the library handles then act on that device.
//
// One stream per device orders all of that device's work: a kernel sees the
// results of everything queued before it, and memory freed by a tensor can
// be handed to the next allocation at once (its new user's work is queued
// behind the old user's). The host waits only at the explicit
// synchronisation points: copies to the host (and so item() and
// to_vector()), copies between two GPUs, synchronize(), and the few ops that
// must read a device value to validate their input (indices).
#pragma once

#include <cuda_runtime_api.h>

#include <initializer_list>
#include <mutex>
#include <vector>

#include "tensor/tensor.h"

namespace chase::cuda {

// This thread's current device (0 until a device is selected, as in CUDA).
int current_device();
Device current();  // the same, as a chase Device

// Throws, naming op, when cuda:`index` is not one of the usable devices.
void check_usable_device(const char* op, int index);

// Makes cuda:`index` this thread's current device (checked as above).
void set_device(const char* op, int index);

// Checks that every defined tensor lives on one CUDA device and makes it the
// current device: a kernel handed memory of another device would fault.
void select_tensor_device(const char* op, std::initializer_list<const Tensor*> tensors);
template <class... Tensors>
void select_device(const char* op, const Tensors&... tensors) {
  select_tensor_device(op, {&tensors...});
}

// Selects a device for a scope and restores the previous one after it: for
// work on a device other than the current one (an allocator serving its GPU,
// creating a stream, synchronize_all).
class DeviceGuard {
 public:
  DeviceGuard(const char* op, int index);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;  // -1: the thread had selected no device
};

// The stream of the current device, created on first use.
cudaStream_t stream();

// Blocks the host until every queued kernel and copy of the current device
// has finished.
void synchronize(const char* op);
// The same for every device that has a stream (all this process used).
void synchronize_all(const char* op);

// One T per device, made on first use with that device current and never
// destroyed (the runtime may be gone by static destruction): the streams, the
// allocators and the library handles. The PerDevice itself must outlive
// static destruction too (`static auto& x = *new PerDevice<T>`): a tensor
// freed then still looks up its allocator here.
template <class T>
class PerDevice {
 public:
  // make() runs before a slot is made: an index it refuses (the allocator's
  // check) leaves none, rather than a write at slot -1 or 2^31 slots.
  template <class Make>
  T& get(int index, Make make) {
    std::lock_guard lock(mutex_);
    const auto slot = static_cast<std::size_t>(index);
    if (index >= 0 && slot < slots_.size() && slots_[slot] != nullptr) return *slots_[slot];
    T* made = make();
    if (slot >= slots_.size()) slots_.resize(slot + 1, nullptr);
    slots_[slot] = made;
    return *made;
  }

  // Calls f(index, t) for every T made so far.
  template <class F>
  void for_each(F f) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i] != nullptr) f(static_cast<int>(i), *slots_[i]);
  }

 private:
  std::mutex mutex_;
  std::vector<T*> slots_;
};

}  // namespace chase::cuda

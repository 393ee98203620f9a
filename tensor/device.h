// Where a tensor's storage lives.
#pragma once

#include <string>

namespace chase {

enum class DeviceType { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }

  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool operator==(const Device&) const = default;
  std::string str() const {
    return is_cpu() ? "cpu" : "cuda:" + std::to_string(index);
  }
};

// Parses "cpu", "cuda", "cuda:1".
Device parse_device(const std::string& text);

// GPUs this process can use, cuda:0 .. cuda:N-1: 0 in a build without the CUDA
// backend or where the runtime finds none. Never throws.
int cuda_device_count();

// Throws chase::Error saying why tensors cannot live on `device` here: a build
// without the CUDA backend, no usable GPU (with the runtime's reason), or an
// index past the usable GPUs. The CPU is always usable.
void check_device_usable(Device device);

}  // namespace chase

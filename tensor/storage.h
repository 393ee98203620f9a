// A block of device memory shared by a tensor and all of its views.
#pragma once

#include <cstddef>

#include "tensor/device.h"

namespace chase {

class Storage {
 public:
  Storage(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  std::size_t bytes_;
  Device device_;
};

}  // namespace chase

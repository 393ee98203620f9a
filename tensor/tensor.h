// Tensor: a strided view (shape, strides, offset) of a shared Storage, with a
// dtype and a device. Copying a Tensor is cheap and aliases the same memory;
// view operations (view, permute, narrow, expand, ...) never copy.
// Arithmetic lives in ops.h as free functions.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace chase {

class Tensor {
 public:
  Tensor() = default;  // undefined: holds no storage

  // Uninitialised memory.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32,
                      Device device = Device::cpu());
  // Copies values (converted to dtype) into a new contiguous CPU tensor, then moves it to device.
  static Tensor from_vector(std::span<const double> values, const Shape& shape,
                            DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor from_vector(std::initializer_list<double> values, const Shape& shape,
                            DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor scalar(double value, DType dtype = DType::f32, Device device = Device::cpu());

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  std::int64_t offset() const { return offset_; }
  std::int64_t dim() const { return std::ssize(shape_); }
  std::int64_t size(std::int64_t d) const;  // negative d counts from the end
  std::int64_t numel() const { return chase::numel(shape_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // Pointer to the first element (storage + offset); T must match dtype.
  template <class T>
  T* data() const {
    CHASE_CHECK(dtype_of<T>::value == dtype_, "Tensor::data: tensor is {}, asked for {}",
                name(dtype_), name(dtype_of<T>::value));
    return static_cast<T*>(storage_->data()) + offset_;
  }
  void* raw_data() const {
    return static_cast<char*>(storage_->data()) + offset_ * element_size(dtype_);
  }

  // ---- views: share storage, never copy -------------------------------------
  Tensor view(Shape shape) const;     // needs compatible strides; one dim may be -1
  Tensor reshape(Shape shape) const;  // a view when possible, a copy otherwise
  Tensor flatten(std::int64_t start = 0, std::int64_t end = -1) const;
  Tensor permute(const std::vector<std::int64_t>& order) const;
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;  // drops dim
  Tensor expand(const Shape& shape) const;  // broadcasting view: stride 0 on new/size-1 dims
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;

  // ---- copies ----------------------------------------------------------------
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  // ---- host access (tests, logging): copies to the CPU when needed -------------
  double item() const;  // one-element tensors only
  std::vector<double> to_vector() const;
  std::string str() const;  // "Tensor f32 cpu [2, 3]"

 private:
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, std::int64_t offset,
         DType dtype, Device device);
  Tensor with_geometry(Shape shape, Shape strides, std::int64_t offset) const;

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  std::int64_t offset_ = 0;
  DType dtype_ = DType::f32;
  Device device_;
};

}  // namespace chase

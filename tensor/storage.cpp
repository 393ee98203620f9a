#include "tensor/storage.h"

#include "tensor/allocator.h"

namespace chase {

Storage::Storage(std::size_t bytes, Device device)
    : data_(allocator_for(device).allocate(bytes)), bytes_(bytes), device_(device) {}

Storage::~Storage() { allocator_for(device_).deallocate(data_, bytes_); }

}  // namespace chase

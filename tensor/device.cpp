#include "tensor/device.h"

#include "tensor/error.h"
#include "tensor/kernels.h"

#ifdef CHASE_WITH_CUDA
#include "tensor/cuda/cuda_backend.h"
#endif

namespace chase {

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "cuda") return Device::cuda(0);
  if (text.starts_with("cuda:")) {
    try {
      std::size_t used = 0;
      int index = std::stoi(text.substr(5), &used);
      if (used == text.size() - 5 && index >= 0) return Device::cuda(index);
    } catch (const std::exception&) {
    }
  }
  throw Error(fmt::format("device: cannot parse '{}', expected cpu, cuda or cuda:N", text));
}

int cuda_device_count() {
#ifdef CHASE_WITH_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

void check_device_usable(Device device) {
  if (device.is_cpu()) return;
  kernels_for(device);  // throws in a build without the CUDA backend
#ifdef CHASE_WITH_CUDA
  const int count = cuda::device_count();
  CHASE_CHECK(count > device.index, "{} is not usable: {}", device.str(),
              count == 0 ? "no usable CUDA device (" + cuda::unavailable_reason() + ")"
                         : fmt::format("only {} CUDA device(s) found", count));
#endif
}

}  // namespace chase

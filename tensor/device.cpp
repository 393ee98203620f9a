#include "tensor/device.h"

#include "tensor/error.h"

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

}  // namespace chase

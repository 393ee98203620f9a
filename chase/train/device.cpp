#include "chase/train/device.h"

#include <fmt/format.h>

#include "tensor/error.h"

namespace chase::train {

Device training_device(const std::string& name) {
  const Device device = parse_device(name);
  try {
    check_device_usable(device);
  } catch (const Error& e) {
    throw Error(fmt::format("--device {}: {}", name, e.what()));
  }
  return device;
}

data::Batch BatchUploader::upload(const data::Batch& batch) {
  data::Batch moved = batch;
  moved.images = images_.upload(batch.images);
  moved.labels = labels_.upload(batch.labels);
  return moved;
}

}  // namespace chase::train

// The safetensors file format (github.com/huggingface/safetensors), so that
// chase checkpoints open in other tools: an 8-byte little-endian header size,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw little-endian tensor bytes.
#pragma once

#include <map>
#include <string>

#include "tensor/tensor.h"

namespace chase {

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
  TensorMap tensors;  // on the CPU, contiguous
  Metadata metadata;
};

// Writes to `path + ".tmp"`, flushes, then renames over `path`: a crash leaves
// either the old file or the new one, never a torn one.
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const Metadata& metadata = {});

// Throws chase::Error naming the file and what is wrong (truncated, bad header,
// offsets out of range or overlapping, unsupported dtype).
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace chase

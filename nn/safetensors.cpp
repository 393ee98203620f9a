#include "nn/safetensors.h"

#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace chase {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; big-endian hosts need byte swaps");

// Headers larger than this are refused: a corrupt size field must not make us
// allocate gigabytes (the reference implementation uses the same bound).
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
  }
  return "?";
}

DType parse_dtype(const std::string& text, const std::string& path, const std::string& name) {
  if (text == "F32") return DType::f32;
  if (text == "F64") return DType::f64;
  if (text == "I64") return DType::i64;
  throw Error(fmt::format("{}: tensor '{}' has dtype {}, chase reads F32, F64 and I64", path,
                          name, text));
}

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const Metadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    CHASE_CHECK(tensor.defined(), "save_safetensors {}: tensor '{}' is undefined", path, name);
    Tensor t = tensor.to(Device::cpu()).contiguous();
    auto bytes = static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype());
    header[name] = {{"dtype", safetensors_dtype(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    host.push_back(std::move(t));
  }
  std::string text = header.dump();
  // Pad the header with spaces to 8 bytes so the data that follows is aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    CHASE_CHECK(out.good(), "save_safetensors: cannot open {} for writing", tmp);
    std::uint64_t size = text.size();
    out.write(reinterpret_cast<const char*>(&size), sizeof size);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : host)
      out.write(static_cast<const char*>(t.raw_data()),
                static_cast<std::streamsize>(t.numel() * element_size(t.dtype())));
    out.flush();
    CHASE_CHECK(out.good(), "save_safetensors: writing {} failed (disk full?)", tmp);
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  CHASE_CHECK(!error, "save_safetensors: cannot rename {} to {}: {}", tmp, path,
              error.message());
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  CHASE_CHECK(in.good(), "load_safetensors: cannot open {}", path);
  const auto file_size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  std::uint64_t header_size = 0;
  CHASE_CHECK(file_size >= 8, "{}: truncated: {} bytes, a safetensors file has at least 8",
              path, file_size);
  in.read(reinterpret_cast<char*>(&header_size), sizeof header_size);
  CHASE_CHECK(header_size <= kMaxHeaderBytes && 8 + header_size <= file_size,
              "{}: header size {} does not fit in a file of {} bytes (truncated or not "
              "safetensors)",
              path, header_size, file_size);
  std::string text(header_size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_size));

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: header is not valid JSON: {}", path, e.what()));
  }
  CHASE_CHECK(header.is_object(), "{}: header is not a JSON object", path);

  SafetensorsFile file;
  const std::uint64_t data_size = file_size - 8 - header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.items())
        file.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
      continue;
    }
    try {
      DType dtype = parse_dtype(entry.at("dtype").get<std::string>(), path, name);
      auto shape = entry.at("shape").get<Shape>();
      auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      CHASE_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1],
                  "{}: tensor '{}' has bad data_offsets", path, name);
      auto expected = static_cast<std::uint64_t>(numel(shape)) * element_size(dtype);
      CHASE_CHECK(offsets[1] - offsets[0] == expected,
                  "{}: tensor '{}' of shape {} {} needs {} bytes, data_offsets span {}", path,
                  name, to_string(shape), chase::name(dtype), expected, offsets[1] - offsets[0]);
      CHASE_CHECK(offsets[1] <= data_size,
                  "{}: tensor '{}' ends at byte {} but the file has {} data bytes (truncated)",
                  path, name, offsets[1], data_size);
      Tensor t = Tensor::empty(shape, dtype);
      in.seekg(static_cast<std::streamoff>(8 + header_size + offsets[0]));
      in.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(expected));
      CHASE_CHECK(in.good(), "{}: reading tensor '{}' failed", path, name);
      file.tensors.emplace(name, std::move(t));
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}: malformed entry for tensor '{}': {}", path, name, e.what()));
    }
  }
  return file;
}

}  // namespace chase

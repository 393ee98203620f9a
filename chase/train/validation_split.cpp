#include "chase/train/validation_split.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "chase/train/text_file.h"
#include "data/split.h"
#include "tensor/error.h"

namespace chase::train {

ValidationSplit hold_out(std::shared_ptr<const data::Dataset> full, std::int64_t size,
                         std::uint64_t seed) {
  CHASE_CHECK(size > 0 && size < full->size(),
              "--val-size must lie in [1, {}) for the {} training images of {}, got {}",
              full->size(), full->size(), full->name(), size);
  auto split = data::holdout_split(full->size(), size, seed);
  ValidationSplit result;
  result.indices = split.validation;
  result.train = std::make_shared<data::SubsetDataset>(
      full, std::move(split.train), fmt::format("{} without {} validation images", full->name(), size));
  result.validation = std::make_shared<data::SubsetDataset>(
      full, split.validation, fmt::format("{} validation ({} images)", full->name(), size));
  return result;
}

void save_validation_record(const std::filesystem::path& out_dir, const ValidationRecord& record) {
  nlohmann::ordered_json json{{"dataset", record.dataset},
                              {"training_images", record.training_images},
                              {"seed", record.seed},
                              {"val_size", record.indices.size()},
                              {"indices", record.indices}};
  write_text_file(out_dir / kValidationIndicesFile, json.dump() + "\n");
}

ValidationRecord load_validation_record(const std::filesystem::path& out_dir) {
  const auto path = out_dir / kValidationIndicesFile;
  auto json = nlohmann::json::parse(read_text_file(path), nullptr, /*allow_exceptions=*/false);
  auto malformed = [&] {
    return fmt::format("load_validation_record: {} is not a validation record (expected an "
                       "object with 'dataset', 'training_images', 'seed' and 'indices')",
                       path.string());
  };
  CHASE_CHECK(json.is_object() && json.contains("dataset") && json["dataset"].is_string() &&
                  json.contains("training_images") &&
                  json["training_images"].is_number_integer() && json.contains("seed") &&
                  json["seed"].is_number_unsigned() && json.contains("indices") &&
                  json["indices"].is_array(),
              "{}", malformed());
  ValidationRecord record;
  record.dataset = json["dataset"].get<std::string>();
  record.training_images = json["training_images"].get<std::int64_t>();
  record.seed = json["seed"].get<std::uint64_t>();
  for (const auto& index : json["indices"]) {
    CHASE_CHECK(index.is_number_integer() && index.get<std::int64_t>() >= 0 &&
                    index.get<std::int64_t>() < record.training_images,
                "load_validation_record: {}: index {} is not an image of the {} training images",
                path.string(), index.dump(), record.training_images);
    record.indices.push_back(index.get<std::int64_t>());
  }
  return record;
}

}  // namespace chase::train

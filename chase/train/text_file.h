// Whole text files, as the run folder keeps them (run.json, val_indices.json,
// metrics.jsonl, the evaluation's CSVs): written aside and renamed, so that a
// crash leaves the old file or the new one, never a torn one.
#pragma once

#include <filesystem>
#include <string>

namespace chase::train {

// Creates the parent folders, writes PATH.tmp, flushes, renames it over `path`.
// Throws chase::Error naming the file when it cannot be written.
void write_text_file(const std::filesystem::path& path, const std::string& text);

// The file's contents; throws chase::Error naming it when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace chase::train

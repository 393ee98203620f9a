#include "chase/train/text_file.h"

#include <fstream>
#include <sstream>

#include "tensor/error.h"

namespace chase::train {

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto staged = path;
  staged += ".tmp";
  {
    std::ofstream file(staged, std::ios::trunc);
    file << text;
    file.flush();
    CHASE_CHECK(file.good(), "cannot write {}", staged.string());
  }
  std::filesystem::rename(staged, path);
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  CHASE_CHECK(file.good(), "cannot read {}", path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace chase::train

#include "data/extract.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

#include "tensor/error.h"

namespace chase::data {
namespace {

constexpr std::size_t kReadBlockBytes = 1 << 16;

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

std::filesystem::path safe_relative_path(const char* name, const std::filesystem::path& archive) {
  CHASE_CHECK(name != nullptr && *name != '\0', "extract_archive: {} has an entry without a name",
              archive.string());
  std::filesystem::path path = std::filesystem::path(name).lexically_normal();
  bool escapes = path.is_absolute() ||
                 std::ranges::any_of(path, [](const auto& part) { return part == ".."; });
  CHASE_CHECK(!escapes, "extract_archive: {} has the entry '{}', which points outside its folder",
              archive.string(), name);
  return path;
}

void copy_entry_data(archive* reader, const std::filesystem::path& target,
                     const std::filesystem::path& archive_path) {
  std::filesystem::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  CHASE_CHECK(out.is_open(), "extract_archive: cannot write {}", target.string());
  std::vector<char> block(kReadBlockBytes);
  for (;;) {
    la_ssize_t got = archive_read_data(reader, block.data(), block.size());
    CHASE_CHECK(got >= 0, "extract_archive: {} is corrupt or truncated in {}: {}",
                archive_path.string(), target.filename().string(), archive_error_string(reader));
    if (got == 0) break;
    out.write(block.data(), got);
  }
  out.close();
  CHASE_CHECK(out.good(), "extract_archive: write error in {}", target.string());
}

}  // namespace

void extract_archive(const std::filesystem::path& archive_path,
                     const std::filesystem::path& destination) {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  CHASE_CHECK(reader != nullptr, "extract_archive: archive_read_new failed");
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  CHASE_CHECK(
      archive_read_open_filename(reader.get(), archive_path.c_str(), kReadBlockBytes) == ARCHIVE_OK,
      "extract_archive: {} is corrupt or truncated, or not a tar archive: {}",
      archive_path.string(), archive_error_string(reader.get()));
  for (;;) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    CHASE_CHECK(status == ARCHIVE_OK || status == ARCHIVE_WARN,
                "extract_archive: {} is corrupt or truncated: {}", archive_path.string(),
                archive_error_string(reader.get()));
    auto relative = safe_relative_path(archive_entry_pathname(entry), archive_path);
    auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      std::filesystem::create_directories(destination / relative);
    } else {
      CHASE_CHECK(type == AE_IFREG,
                  "extract_archive: {} has the entry '{}' of type {:o}, expected a folder or a "
                  "regular file",
                  archive_path.string(), relative.string(), type);
      copy_entry_data(reader.get(), destination / relative, archive_path);
    }
  }
}

}  // namespace chase::data

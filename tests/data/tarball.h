// Building .tar.gz files with libarchive for the fetch tests, from the CIFAR
// fixture files laid out as in the official tarballs.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <vector>

#include "tests/data/data_test_util.h"

namespace chase::test {

struct TarEntry {
  std::string path;      // a trailing '/' makes a folder
  std::string contents;  // regular files only
};

inline void write_tar_gz(const fs::path& archive_path, const std::vector<TarEntry>& entries) {
  archive* writer = archive_write_new();
  REQUIRE(writer != nullptr);
  REQUIRE(archive_write_add_filter_gzip(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_set_format_pax_restricted(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(writer, archive_path.c_str()) == ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    bool folder = e.path.ends_with('/');
    archive_entry_set_filetype(entry, folder ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, folder ? 0755 : 0644);
    archive_entry_set_size(entry, folder ? 0 : static_cast<la_int64_t>(e.contents.size()));
    REQUIRE(archive_write_header(writer, entry) == ARCHIVE_OK);
    if (!folder) {
      REQUIRE(archive_write_data(writer, e.contents.data(), e.contents.size()) ==
              static_cast<la_ssize_t>(e.contents.size()));
    }
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(writer) == ARCHIVE_OK);
  archive_write_free(writer);
}

// cifar-10-batches-bin/ with the fixture's six batch files, as in cifar-10-binary.tar.gz.
inline std::vector<TarEntry> cifar10_fixture_entries() {
  std::vector<TarEntry> entries{{"cifar-10-batches-bin/", ""}};
  for (std::string name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}) {
    entries.push_back({"cifar-10-batches-bin/" + name,
                       read_bytes(fixture_path("cifar-10-fixture/cifar-10-batches-bin/" + name))});
  }
  return entries;
}

}  // namespace chase::test

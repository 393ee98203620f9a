// fetch_dataset without internet: a CIFAR-10 tarball built from the fixture
// files in the official layout, served by a loopback HTTP server or a file://
// URL, with its md5 injected in place of the official one.
#include "data/cifar.h"
#include "data/fetch.h"
#include "data/md5.h"
#include "tests/data/loopback_http_server.h"
#include "tests/data/tarball.h"

using namespace chase;
namespace fs = std::filesystem;
using namespace chase::data;

namespace {

// A tarball in a scratch folder, with its md5.
struct ServedTarball {
  test::TempDir dir;
  fs::path path;
  std::string md5;

  explicit ServedTarball(const std::vector<test::TarEntry>& entries)
      : path(dir / "cifar-10-binary.tar.gz") {
    test::write_tar_gz(path, entries);
    md5 = md5_file(path);
  }
  std::string bytes() const { return test::read_bytes(path); }
  std::string file_url() const { return "file://" + path.string(); }
};

FetchOptions quiet(std::string url, std::string md5) {
  return {.url = std::move(url), .md5 = std::move(md5), .show_progress = false};
}

// After a failed fetch: no tarball, no partial download, no dataset folder.
void check_nothing_looks_complete(const test::TempDir& dir) {
  CHECK_FALSE(fs::exists(dir / "cifar-10-binary.tar.gz"));
  CHECK_FALSE(fs::exists(dir / "cifar-10-binary.tar.gz.part"));
  CHECK_FALSE(fs::exists(dir / "cifar-10-batches-bin"));
  CHECK_FALSE(fs::exists(dir / ".extracting-cifar-10-batches-bin"));
}

}  // namespace

TEST_CASE("fetch over loopback HTTP downloads, verifies and extracts once") {
  ServedTarball tarball(test::cifar10_fixture_entries());
  test::LoopbackHttpServer server(tarball.bytes());
  test::TempDir dest;
  auto options = quiet(server.url("cifar-10-binary.tar.gz"), tarball.md5);

  auto first = fetch_dataset("cifar10", dest.path(), options);
  CHECK_FALSE(first.already_present);
  CHECK(first.folder == dest / "cifar-10-batches-bin");
  CHECK(server.requests() == 1);
  CHECK(md5_file(dest / "cifar-10-binary.tar.gz") == tarball.md5);
  CHECK_FALSE(fs::exists(dest / "cifar-10-binary.tar.gz.part"));
  auto train = load_cifar10(dest.path(), Split::train, {.records_per_file = 2});
  CHECK(train->size() == 10);
  CHECK(train->label(7) == test::cifar10_fixture_label(7));

  auto second = fetch_dataset("cifar10", dest.path(), options);
  CHECK(second.already_present);
  CHECK(server.requests() == 1);

  SUBCASE("a folder without the marker is extracted again from the verified tarball") {
    fs::remove(first.folder / ".chase-fetch-verified");
    fs::remove(first.folder / "data_batch_2.bin");
    auto third = fetch_dataset("cifar10", dest.path(), options);
    CHECK_FALSE(third.already_present);
    CHECK(server.requests() == 1);
    CHECK(fs::exists(first.folder / "data_batch_2.bin"));
  }
  SUBCASE("a different expected checksum is not satisfied by the earlier fetch") {
    auto other = quiet(options.url, std::string(32, 'a'));
    CHECK_THROWS_WITH_AS(fetch_dataset("cifar10", dest.path(), other),
                         doctest::Contains("expected md5 aaaaaaaa"), Error);
    CHECK(server.requests() == 2);
  }
}

TEST_CASE("fetch from a file:// URL, with the progress line") {
  ServedTarball tarball(test::cifar10_fixture_entries());
  test::TempDir dest;
  auto result =
      fetch_dataset("cifar10", dest.path(),
                    {.url = tarball.file_url(), .md5 = tarball.md5, .show_progress = true});
  CHECK(load_cifar10(result.folder, Split::test, {.records_per_file = 2})->size() == 2);
  // The tarball's source may disappear: the verified dataset is not fetched again.
  fs::remove(tarball.path);
  CHECK(fetch_dataset("cifar10", dest.path(), quiet(tarball.file_url(), tarball.md5))
            .already_present);
}

TEST_CASE("a wrong checksum deletes the download and leaves nothing behind") {
  ServedTarball tarball(test::cifar10_fixture_entries());
  test::LoopbackHttpServer server(tarball.bytes());
  test::TempDir dest;
  auto wrong = std::string(32, '0');
  CHECK_THROWS_WITH_AS(fetch_dataset("cifar10", dest.path(), quiet(server.url("x"), wrong)),
                       test::contains("with md5 " + tarball.md5 + ", expected md5 " + wrong +
                                      "; the download was deleted"),
                       Error);
  check_nothing_looks_complete(dest);
  // The same folder then takes a good download.
  CHECK_FALSE(
      fetch_dataset("cifar10", dest.path(), quiet(server.url("x"), tarball.md5)).already_present);
}

TEST_CASE("a truncated download fails and leaves nothing behind") {
  ServedTarball tarball(test::cifar10_fixture_entries());
  auto bytes = tarball.bytes();
  test::TempDir dest;

  SUBCASE("the HTTP connection closes early") {
    test::LoopbackHttpServer server(bytes, bytes.size() / 2);
    CHECK_THROWS_WITH_AS(
        fetch_dataset("cifar10", dest.path(), quiet(server.url("t"), tarball.md5)),
        test::contains("download_file: downloading " + server.url("t") + " failed after"), Error);
    check_nothing_looks_complete(dest);
  }
  SUBCASE("the file is short: the checksum catches it") {
    test::write_bytes(tarball.path, bytes.substr(0, bytes.size() / 2));
    CHECK_THROWS_WITH_AS(
        fetch_dataset("cifar10", dest.path(), quiet(tarball.file_url(), tarball.md5)),
        test::contains("expected md5 " + tarball.md5), Error);
    check_nothing_looks_complete(dest);
  }
  SUBCASE("a corrupt tarball with a matching checksum fails on extraction") {
    test::write_bytes(tarball.path, bytes.substr(0, bytes.size() / 2));
    auto short_md5 = md5_file(tarball.path);
    CHECK_THROWS_WITH_AS(
        fetch_dataset("cifar10", dest.path(), quiet(tarball.file_url(), short_md5)),
        doctest::Contains("is corrupt or truncated"), Error);
    CHECK_FALSE(fs::exists(dest / "cifar-10-batches-bin"));
    CHECK_FALSE(fs::exists(dest / ".extracting-cifar-10-batches-bin"));
  }
}

TEST_CASE("tarballs in the wrong layout are refused") {
  test::TempDir dest;
  SUBCASE("a batch file is missing") {
    auto entries = test::cifar10_fixture_entries();
    std::erase_if(entries, [](const auto& e) { return e.path.ends_with("data_batch_3.bin"); });
    ServedTarball tarball(entries);
    CHECK_THROWS_WITH_AS(
        fetch_dataset("cifar10", dest.path(), quiet(tarball.file_url(), tarball.md5)),
        doctest::Contains("lacks cifar-10-batches-bin/data_batch_3.bin, expected "
                          "the official layout"),
        Error);
  }
  SUBCASE("an entry points outside the folder") {
    auto entries = test::cifar10_fixture_entries();
    entries.push_back({"../escaped.bin", "x"});
    ServedTarball tarball(entries);
    CHECK_THROWS_WITH_AS(
        fetch_dataset("cifar10", dest.path(), quiet(tarball.file_url(), tarball.md5)),
        doctest::Contains("has the entry '../escaped.bin', which points outside"), Error);
    CHECK_FALSE(fs::exists(dest / "escaped.bin"));
  }
  CHECK_FALSE(fs::exists(dest / "cifar-10-batches-bin"));
  CHECK_FALSE(fs::exists(dest / ".extracting-cifar-10-batches-bin"));
}

TEST_CASE("fetch checks the dataset name and the checksum's form") {
  test::TempDir dest;
  CHECK(fetchable_datasets() == std::vector<std::string>{"cifar10", "cifar100"});
  CHECK_THROWS_WITH_AS(fetch_dataset("imagenet", dest.path()),
                       "fetch_dataset: unknown dataset 'imagenet', expected one of "
                       "[\"cifar10\", \"cifar100\"]",
                       Error);
  CHECK_THROWS_WITH_AS(fetch_dataset("cifar100", dest.path(), quiet("file:///nowhere", "xyz")),
                       "fetch_dataset: expected md5 as 32 hex digits, got 'xyz'", Error);
  CHECK_THROWS_WITH_AS(
      fetch_dataset("cifar100", dest.path(), quiet("file:///nowhere", std::string(32, 'f'))),
      doctest::Contains("download_file: downloading file:///nowhere failed after 0 bytes"), Error);
  CHECK_FALSE(fs::exists(dest / "cifar-100-binary.tar.gz.part"));
  test::write_bytes(dest / "a-file", "");
  CHECK_THROWS_WITH_AS(
      fetch_dataset("cifar10", dest / "a-file/sub"),
      test::contains("fetch_dataset: cifar10 into " + (dest / "a-file/sub").string()), Error);
}

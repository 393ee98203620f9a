// CIFAR-10/100 binary readers on the committed fixtures (official layout, a
// few synthetic records per file) and on damaged copies of them.
#include <vector>

#include "data/cifar.h"
#include "tests/data/data_test_util.h"

using namespace chase;
namespace fs = std::filesystem;
using namespace chase::data;

namespace {

const CifarOptions kCifar10Fixture{.records_per_file = test::kCifar10FixtureRecords};
const CifarOptions kCifar100Fixture{.records_per_file = test::kCifar100FixtureRecords};

// Every pixel of sample `index` against the fixture formula for `record`.
void check_image(const Dataset& dataset, std::int64_t index, int record) {
  std::vector<float> pixels(3 * 32 * 32);
  dataset.read_image(index, pixels);
  int mismatches = 0;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x) {
        float expected = static_cast<float>(test::cifar_fixture_pixel(record, c, y, x)) / 255.0f;
        mismatches += pixels[static_cast<std::size_t>((c * 32 + y) * 32 + x)] != expected;
      }
    }
  }
  CHECK_MESSAGE(mismatches == 0, "sample " << index << " (record " << record << ")");
}

}  // namespace

TEST_CASE("CIFAR-10 fixture: five train batches and the test batch") {
  // The folder chase data fetch extracts into, and the batches folder itself.
  for (auto dir : {test::fixture_path("cifar-10-fixture"),
                   test::fixture_path("cifar-10-fixture/cifar-10-batches-bin")}) {
    auto train = load_cifar10(dir, Split::train, kCifar10Fixture);
    CHECK(train->name() == "cifar10/train");
    REQUIRE(train->size() == 5 * test::kCifar10FixtureRecords);
    CHECK(train->image_shape() == ImageShape{3, 32, 32});
    CHECK(train->num_classes() == 10);
    for (int i = 0; i < train->size(); ++i) {
      CHECK(train->label(i) == test::cifar10_fixture_label(i));
      check_image(*train, i, i);
    }
  }
  auto test_set =
      load_cifar10(test::fixture_path("cifar-10-fixture"), Split::test, kCifar10Fixture);
  REQUIRE(test_set->size() == test::kCifar10FixtureRecords);
  for (int i = 0; i < test_set->size(); ++i) {
    int record = 5 * test::kCifar10FixtureRecords + i;
    CHECK(test_set->label(i) == test::cifar10_fixture_label(record));
    check_image(*test_set, i, record);
  }
}

TEST_CASE("CIFAR-100 fixture: fine labels by default, coarse on request") {
  auto dir = test::fixture_path("cifar-100-fixture");
  auto fine = load_cifar100(dir, Split::train, kCifar100Fixture);
  auto coarse_options = kCifar100Fixture;
  coarse_options.labels = CifarLabels::coarse;
  auto coarse = load_cifar100(dir, Split::train, coarse_options);
  CHECK(fine->num_classes() == 100);
  CHECK(coarse->num_classes() == 20);
  REQUIRE(fine->size() == test::kCifar100FixtureRecords);
  for (int i = 0; i < fine->size(); ++i) {
    auto [coarse_label, fine_label] = test::cifar100_fixture_labels(i);
    CHECK(fine->label(i) == fine_label);
    CHECK(coarse->label(i) == coarse_label);
    check_image(*fine, i, i);
  }
  auto test_set = load_cifar100(dir, Split::test, kCifar100Fixture);
  CHECK(test_set->name() == "cifar100/test");
  REQUIRE(test_set->size() == test::kCifar100FixtureRecords);
  CHECK(test_set->label(0) == test::cifar100_fixture_labels(3).second);
  check_image(*test_set, 2, 5);
}

TEST_CASE("CIFAR errors name the file and what was expected") {
  test::TempDir dir;
  auto cifar10 = test::copy_fixture("cifar-10-fixture", dir) / "cifar-10-batches-bin";
  auto cifar100 = test::copy_fixture("cifar-100-fixture", dir) / "cifar-100-binary";

  SUBCASE("the official record count is the default") {
    CHECK_THROWS_WITH_AS(load_cifar10(cifar10, Split::test),
                         doctest::Contains("test_batch.bin has 6146 bytes, expected 10000 records "
                                           "of 3073 bytes = 30730000 bytes"),
                         Error);
    CHECK_THROWS_WITH_AS(load_cifar100(cifar100, Split::train),
                         doctest::Contains("train.bin has 9222 bytes, expected 50000 records of "
                                           "3074 bytes"),
                         Error);
  }
  SUBCASE("missing file") {
    fs::remove(cifar10 / "data_batch_4.bin");
    CHECK_THROWS_WITH_AS(
        load_cifar10(cifar10, Split::train, kCifar10Fixture),
        test::contains("load_cifar10: cannot open " + (cifar10 / "data_batch_4.bin").string() +
                       ": No such file or directory"),
        Error);
  }
  SUBCASE("truncated file") {
    fs::resize_file(cifar10 / "data_batch_2.bin", 6000);
    CHECK_THROWS_WITH_AS(load_cifar10(cifar10, Split::train, kCifar10Fixture),
                         doctest::Contains("data_batch_2.bin has 6000 bytes, expected 2 records of "
                                           "3073 bytes = 6146 bytes"),
                         Error);
  }
  SUBCASE("CIFAR-10 label out of range") {
    auto bytes = test::read_bytes(cifar10 / "data_batch_3.bin");
    bytes[3073] = 10;  // the label byte of record 1
    test::write_bytes(cifar10 / "data_batch_3.bin", bytes);
    CHECK_THROWS_WITH_AS(load_cifar10(cifar10, Split::train, kCifar10Fixture),
                         doctest::Contains("data_batch_3.bin record 1 has label 10, expected 0..9"),
                         Error);
  }
  SUBCASE("CIFAR-100 coarse label out of range, even when fine labels are used") {
    auto bytes = test::read_bytes(cifar100 / "test.bin");
    bytes[2 * 3074] = 20;
    test::write_bytes(cifar100 / "test.bin", bytes);
    CHECK_THROWS_WITH_AS(load_cifar100(cifar100, Split::test, kCifar100Fixture),
                         doctest::Contains("test.bin record 2 has coarse label 20, expected 0..19"),
                         Error);
  }
  SUBCASE("CIFAR-100 fine label out of range") {
    auto bytes = test::read_bytes(cifar100 / "train.bin");
    bytes[1] = static_cast<char>(250);
    test::write_bytes(cifar100 / "train.bin", bytes);
    CHECK_THROWS_WITH_AS(load_cifar100(cifar100, Split::train, kCifar100Fixture),
                         doctest::Contains("train.bin record 0 has fine label 250, expected 0..99"),
                         Error);
  }
  SUBCASE("CIFAR-10 files read as CIFAR-100 fail on the size") {
    fs::copy_file(cifar10 / "test_batch.bin", cifar100 / "test.bin",
                  fs::copy_options::overwrite_existing);
    CHECK_THROWS_WITH_AS(load_cifar100(cifar100, Split::test, {.records_per_file = 2}),
                         doctest::Contains("test.bin has 6146 bytes, expected 2 records of 3074 "
                                           "bytes = 6148 bytes"),
                         Error);
  }
}

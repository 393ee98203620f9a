// IDX reader (MNIST, Fashion-MNIST): the committed fixture, damaged copies of
// it, and the real Fashion-MNIST of Debian's dataset-fashion-mnist when installed.
#include <vector>

#include "data/idx.h"
#include "tests/data/data_test_util.h"

using namespace chase;
namespace fs = std::filesystem;
using namespace chase::data;

namespace {

std::vector<float> image_of(const Dataset& dataset, std::int64_t index) {
  std::vector<float> pixels(static_cast<std::size_t>(dataset.image_shape().numel()));
  dataset.read_image(index, pixels);
  return pixels;
}

// A fixture folder copy whose file `name` is replaced by `bytes`.
fs::path fixture_with(const test::TempDir& dir, const std::string& name, const std::string& bytes) {
  auto folder = test::copy_fixture("mnist-fixture", dir);
  test::write_bytes(folder / name, bytes);
  return folder;
}

std::string plain_test_images() {
  return test::read_bytes(test::fixture_path("mnist-fixture/t10k-images-idx3-ubyte"));
}

}  // namespace

TEST_CASE("IDX fixture: gzip-compressed train and plain t10k files") {
  for (bool train : {true, false}) {
    auto dataset =
        load_mnist(test::fixture_path("mnist-fixture"), train ? Split::train : Split::test);
    INFO(dataset->name());
    CHECK(dataset->name() == (train ? "mnist/train" : "mnist/test"));
    REQUIRE(dataset->size() == (train ? 5 : 3));
    CHECK(dataset->num_classes() == 10);
    CHECK(dataset->image_shape() ==
          ImageShape{1, test::kMnistFixtureHeight, test::kMnistFixtureWidth});
    for (int i = 0; i < dataset->size(); ++i) {
      CHECK(dataset->label(i) == test::mnist_fixture_label(train, i));
      auto pixels = image_of(*dataset, i);
      for (int y = 0; y < test::kMnistFixtureHeight; ++y) {
        for (int x = 0; x < test::kMnistFixtureWidth; ++x) {
          // Bytes are scaled to [0, 1] by 1/255.
          CHECK(pixels[static_cast<std::size_t>(y * test::kMnistFixtureWidth + x)] ==
                static_cast<float>(test::mnist_fixture_pixel(train, i, y, x)) / 255.0f);
        }
      }
    }
  }
}

TEST_CASE("read_idx_file gives the dims and raw values") {
  auto labels = read_idx_file(test::fixture_path("mnist-fixture/t10k-labels-idx1-ubyte"));
  CHECK(labels.dims == std::vector<std::int64_t>{3});
  CHECK(labels.values == std::vector<std::uint8_t>{6, 9, 2});
}

TEST_CASE("IDX errors name the file and what was expected") {
  test::TempDir dir;
  auto images = plain_test_images();

  SUBCASE("missing file") {
    CHECK_THROWS_WITH_AS(load_mnist(dir.path(), Split::train),
                         doctest::Contains("expected train-images-idx3-ubyte.gz or "
                                           "train-images-idx3-ubyte in"),
                         Error);
    CHECK_THROWS_WITH_AS(read_idx_file(dir / "nothing.gz"),
                         doctest::Contains("nothing.gz does not exist"), Error);
  }
  SUBCASE("truncated plain file") {
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", images.substr(0, images.size() - 5));
    CHECK_THROWS_WITH_AS(
        load_mnist(folder, Split::test),
        doctest::Contains("t10k-images-idx3-ubyte is truncated: dims [3, 4, 3] "
                          "need 36 value bytes after the 16-byte header, found 31"),
        Error);
  }
  SUBCASE("truncated header") {
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", images.substr(0, 10));
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("is truncated: expected 12 bytes of dimension sizes at "
                                           "offset 4, found 6"),
                         Error);
  }
  SUBCASE("truncated gzip stream") {
    auto gz = test::read_bytes(test::fixture_path("mnist-fixture/train-images-idx3-ubyte.gz"));
    auto folder = fixture_with(dir, "train-images-idx3-ubyte.gz", gz.substr(0, gz.size() / 2));
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::train),
                         doctest::Contains("train-images-idx3-ubyte.gz is truncated"), Error);
  }
  SUBCASE("wrong magic number") {
    auto bad = images;
    bad[0] = 0x1f;
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", bad);
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("is not an IDX file: magic number 1f 00 08 03, "
                                           "expected 00 00 08 <dims>"),
                         Error);
  }
  SUBCASE("element type other than unsigned byte") {
    auto bad = images;
    bad[2] = 0x0d;  // float
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", bad);
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("holds element type 0x0d, expected 0x08"), Error);
  }
  SUBCASE("trailing data") {
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", images + "xyz");
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("has trailing data: expected 52 bytes in all"), Error);
  }
  SUBCASE("image and label counts differ") {
    using namespace std::string_literals;
    auto two_labels = "\0\0\x08\x01\0\0\0\x02\x01\x02"s;
    auto folder = fixture_with(dir, "t10k-labels-idx1-ubyte", two_labels);
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("t10k-images-idx3-ubyte holds 3 images but"), Error);
  }
  SUBCASE("label out of range") {
    auto labels = test::read_bytes(test::fixture_path("mnist-fixture/t10k-labels-idx1-ubyte"));
    labels[9] = 10;
    auto folder = fixture_with(dir, "t10k-labels-idx1-ubyte", labels);
    CHECK_THROWS_WITH_AS(load_mnist(folder, Split::test),
                         doctest::Contains("t10k-labels-idx1-ubyte gives sample 1 the label 10, "
                                           "expected 0..9"),
                         Error);
  }
  SUBCASE("labels where images are expected") {
    auto labels = test::read_bytes(test::fixture_path("mnist-fixture/t10k-labels-idx1-ubyte"));
    auto folder = fixture_with(dir, "t10k-images-idx3-ubyte", labels);
    CHECK_THROWS_WITH_AS(
        load_mnist(folder, Split::test),
        doctest::Contains("t10k-images-idx3-ubyte has dims [3], expected [N, H, W]"), Error);
  }
}

TEST_CASE("real Fashion-MNIST from Debian's dataset-fashion-mnist") {
  if (!fs::exists(kDefaultFashionMnistDir / "train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: " << kDefaultFashionMnistDir
                        << " is missing (apt install dataset-fashion-mnist)");
    return;
  }
  for (auto [split, count] : {std::pair{Split::train, 60000}, std::pair{Split::test, 10000}}) {
    auto dataset = load_fashion_mnist(split);
    CHECK(dataset->size() == count);
    CHECK(dataset->image_shape() == ImageShape{1, 28, 28});
    std::vector<std::int64_t> per_class(10);
    std::int64_t out_of_range = 0;
    for (auto label : dataset->labels()) {
      if (label < 0 || label >= 10) {
        ++out_of_range;
      } else {
        ++per_class[static_cast<std::size_t>(label)];
      }
    }
    CHECK(out_of_range == 0);
    // Fashion-MNIST is balanced: count / 10 images of every class.
    CHECK(per_class == std::vector<std::int64_t>(10, count / 10));
    if (split == Split::train) {
      // The widely used normalisation constants of Fashion-MNIST's training set.
      auto statistics = channel_statistics(*dataset);
      CHECK(statistics.mean[0] == doctest::Approx(0.2860).epsilon(1e-3));
      CHECK(statistics.stddev[0] == doctest::Approx(0.3530).epsilon(1e-3));
    }
  }
}

#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tensor/error.h"

namespace chase::data {
namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;
// Values are read in chunks so that a corrupt header announcing terabytes
// fails at the end of the file instead of in one giant allocation.
constexpr std::size_t kChunkBytes = std::size_t{1} << 22;
// Caps the product of the dims before it can overflow (2^40 bytes is 1 TiB).
constexpr std::uint64_t kMaxValues = std::uint64_t{1} << 40;

// A gzip or plain file read through zlib, closed on scope exit.
class GzipReader {
 public:
  explicit GzipReader(const std::filesystem::path& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    CHASE_CHECK(file_ != nullptr, "read_idx_file: cannot open {}: {}", path.string(),
                errno != 0 ? std::strerror(errno) : "out of memory");
  }
  ~GzipReader() { gzclose(file_); }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Reads up to `count` bytes; fewer only at the end of the file.
  std::size_t read(void* out, std::size_t count) {
    std::size_t done = 0;
    while (done < count) {
      auto want = static_cast<unsigned>(std::min<std::size_t>(count - done, kChunkBytes));
      int got = gzread(file_, static_cast<char*>(out) + done, want);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        throw Error(fmt::format("read_idx_file: {} is corrupt: {}", path_.string(), message));
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  void read_exactly(void* out, std::size_t count, std::size_t offset, const char* what) {
    auto got = read(out, count);
    CHASE_CHECK(got == count,
                "read_idx_file: {} is truncated: expected {} bytes of {} at offset {}, found {}",
                path_.string(), count, what, offset, got);
  }

 private:
  std::filesystem::path path_;
  gzFile file_;
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

std::filesystem::path existing_variant(const std::filesystem::path& dir, const std::string& stem) {
  for (const auto& name : {stem + ".gz", stem}) {
    if (std::filesystem::exists(dir / name)) return dir / name;
  }
  throw Error(fmt::format("load_mnist: expected {} or {} in {}, found neither", stem + ".gz", stem,
                          dir.string()));
}

std::shared_ptr<ImageDataset> load_mnist_layout(const std::filesystem::path& dir, Split split,
                                                const std::string& dataset) {
  std::string prefix = split == Split::train ? "train" : "t10k";
  auto images = existing_variant(dir, prefix + "-images-idx3-ubyte");
  auto labels = existing_variant(dir, prefix + "-labels-idx1-ubyte");
  return load_idx_dataset(
      images, labels, fmt::format("{}/{}", dataset, split == Split::train ? "train" : "test"), 10);
}

}  // namespace

IdxArray read_idx_file(const std::filesystem::path& path) {
  CHASE_CHECK(std::filesystem::exists(path), "read_idx_file: {} does not exist", path.string());
  GzipReader reader(path);
  std::uint8_t magic[4];
  reader.read_exactly(magic, 4, 0, "magic number");
  CHASE_CHECK(magic[0] == 0 && magic[1] == 0 && magic[3] >= 1,
              "read_idx_file: {} is not an IDX file: magic number {:02x} {:02x} {:02x} {:02x}, "
              "expected 00 00 08 <dims>",
              path.string(), magic[0], magic[1], magic[2], magic[3]);
  CHASE_CHECK(magic[2] == kUnsignedByteType,
              "read_idx_file: {} holds element type 0x{:02x}, expected 0x08 (unsigned byte)",
              path.string(), magic[2]);

  IdxArray array;
  std::vector<std::uint8_t> header(4 * std::size_t{magic[3]});
  reader.read_exactly(header.data(), header.size(), 4, "dimension sizes");
  std::uint64_t count = 1;
  for (std::size_t d = 0; d < magic[3]; ++d) {
    array.dims.push_back(big_endian_u32(&header[4 * d]));
    count *= static_cast<std::uint64_t>(array.dims.back());
    CHASE_CHECK(count <= kMaxValues,
                "read_idx_file: {} announces dims {}..., more than the {} values a dataset file "
                "may hold",
                path.string(), array.dims, kMaxValues);
  }

  std::size_t offset = 4 + header.size();
  while (array.values.size() < count) {
    auto chunk = std::min<std::uint64_t>(count - array.values.size(), kChunkBytes);
    auto start = array.values.size();
    array.values.resize(start + chunk);
    auto got = reader.read(array.values.data() + start, chunk);
    CHASE_CHECK(got == chunk,
                "read_idx_file: {} is truncated: dims {} need {} value bytes after the {}-byte "
                "header, found {}",
                path.string(), array.dims, count, offset, start + got);
  }
  std::uint8_t extra;
  CHASE_CHECK(reader.read(&extra, 1) == 0,
              "read_idx_file: {} has trailing data: expected {} bytes in all for dims {}",
              path.string(), offset + count, array.dims);
  return array;
}

std::shared_ptr<ImageDataset> load_idx_dataset(const std::filesystem::path& images_path,
                                               const std::filesystem::path& labels_path,
                                               std::string name, std::int64_t num_classes) {
  auto images = read_idx_file(images_path);
  auto labels = read_idx_file(labels_path);
  CHASE_CHECK(images.dims.size() == 3, "load_idx_dataset: {} has dims {}, expected [N, H, W]",
              images_path.string(), images.dims);
  CHASE_CHECK(labels.dims.size() == 1, "load_idx_dataset: {} has dims {}, expected [N]",
              labels_path.string(), labels.dims);
  CHASE_CHECK(images.dims[0] == labels.dims[0],
              "load_idx_dataset: {} holds {} images but {} holds {} labels", images_path.string(),
              images.dims[0], labels_path.string(), labels.dims[0]);
  std::vector<std::int64_t> label_values(labels.values.begin(), labels.values.end());
  for (std::size_t i = 0; i < label_values.size(); ++i) {
    CHASE_CHECK(label_values[i] < num_classes,
                "load_idx_dataset: {} gives sample {} the label {}, expected 0..{}",
                labels_path.string(), i, label_values[i], num_classes - 1);
  }
  return std::make_shared<ImageDataset>(
      std::move(name), ImageShape{1, images.dims[1], images.dims[2]}, std::move(images.values),
      std::move(label_values), num_classes);
}

std::shared_ptr<ImageDataset> load_mnist(const std::filesystem::path& dir, Split split) {
  return load_mnist_layout(dir, split, "mnist");
}

std::shared_ptr<ImageDataset> load_fashion_mnist(Split split, const std::filesystem::path& dir) {
  return load_mnist_layout(dir, split, "fashion-mnist");
}

}  // namespace chase::data

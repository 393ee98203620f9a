#include "data/sample_random.h"

#include <numeric>
#include <utility>

#include "tensor/error.h"

namespace chase::data {
namespace {

// splitmix64's finaliser (Steele et al.): a bijection that spreads every input
// bit over the output, so keys of neighbouring seeds or epochs share no structure.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t data_stream_key(std::uint64_t seed, DataStream stream, std::uint64_t part) {
  return mix(mix(mix(seed) ^ static_cast<std::uint64_t>(stream)) ^ part);
}

std::vector<std::int64_t> seeded_permutation(std::int64_t n, std::uint64_t key) {
  CHASE_CHECK(n >= 0, "seeded_permutation: n must be non-negative, got {}", n);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  for (std::int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<std::int64_t>(philox_uniform_f64(key, static_cast<std::uint64_t>(i)) *
                                       static_cast<double>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

SampleRandom::SampleRandom(std::uint64_t key, std::uint64_t epoch, std::int64_t sample) {
  // The 64-bit Philox counter holds the epoch in its high half and the sample in its low half.
  CHASE_CHECK(sample >= 0 && sample < (std::int64_t{1} << 32) && epoch < (std::uint64_t{1} << 32),
              "SampleRandom: epoch {} and sample {} must each fit in 32 bits", epoch, sample);
  block_ = philox4x32(epoch << 32 | static_cast<std::uint64_t>(sample), key);
}

}  // namespace chase::data

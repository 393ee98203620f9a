// Seeded random streams. A Generator is a (seed, offset) pair: each draw of n
// numbers uses the Philox counters offset .. offset + n - 1 and advances the
// offset by n, so a stream is reproducible across runs, thread counts and
// devices, and its state (two integers) is trivial to checkpoint.
#pragma once

#include <cstdint>

namespace chase {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}

  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves n counters and returns the first.
  std::uint64_t advance(std::uint64_t n) {
    auto first = offset_;
    offset_ += n;
    return first;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t offset_ = 0;
};

// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"):
// the four 32-bit random words for one 128-bit counter under a 64-bit key.
struct PhiloxBlock {
  std::uint32_t word[4];
};
PhiloxBlock philox4x32(std::uint64_t counter, std::uint64_t key);

// Element i of a stream: uniform in [0, 1) with 24 (f32) or 53 (f64) random bits,
// and a standard normal by Box-Muller from the same counter.
float philox_uniform_f32(std::uint64_t seed, std::uint64_t index);
double philox_uniform_f64(std::uint64_t seed, std::uint64_t index);
double philox_normal(std::uint64_t seed, std::uint64_t index);

}  // namespace chase

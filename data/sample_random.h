// Random numbers of the data pipeline. Every draw is a pure function of
// (seed, purpose, epoch, sample), computed with Philox (tensor/random.h), so
// shuffling, splits and augmentations come out the same whatever the number
// of worker threads or the order in which they run.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/random.h"

namespace chase::data {

// Purposes kept apart by giving each its own Philox key.
enum class DataStream : std::uint64_t { shuffle = 1, holdout = 2, augment = 3 };

// The Philox key of one purpose (and one part of it: the epoch of a shuffle,
// the position of a transform) under `seed`.
std::uint64_t data_stream_key(std::uint64_t seed, DataStream stream, std::uint64_t part = 0);

// A permutation of 0..n-1 (Fisher-Yates), one Philox counter per swap.
std::vector<std::int64_t> seeded_permutation(std::int64_t n, std::uint64_t key);

// The four random words of one sample in one epoch for the stream `key`,
// with helpers that turn a word into a number.
class SampleRandom {
 public:
  SampleRandom(std::uint64_t key, std::uint64_t epoch, std::int64_t sample);

  std::uint32_t word(int i) const { return block_.word[i]; }
  // Uniform in [0, n) by multiply-shift (Lemire): bias below n / 2^32.
  std::int64_t below(int i, std::int64_t n) const {
    return static_cast<std::int64_t>((std::uint64_t{word(i)} * static_cast<std::uint64_t>(n)) >>
                                     32);
  }
  // Uniform in [0, 1) with 32 random bits.
  double uniform(int i) const { return word(i) * 0x1.0p-32; }

 private:
  PhiloxBlock block_;
};

}  // namespace chase::data

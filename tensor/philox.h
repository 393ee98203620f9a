// Philox 4x32-10 and the maps from its words to uniform and normal numbers,
// written once for both devices: tensor/random.cpp calls these on the CPU and
// the CUDA kernels call them on the GPU, so one (seed, counter) gives the same
// bits on both. Only integer arithmetic and exact scalings lie between the
// counter and a uniform number, so uniform streams agree bit for bit; the
// normal's log and cos come from each device's math library (glibc, CUDA's
// libdevice: both within 1-2 ulp), so normal streams agree to a few ulp.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace chase::philox {

struct Words {
  std::uint32_t word[4];
};

// Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC 2011):
// ten rounds of two 32x32->64 multiplies, key bumped by the Weyl constants.
CHASE_HOST_DEVICE inline Words block(std::uint64_t counter, std::uint64_t key) {
  constexpr std::uint32_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9, kWeyl1 = 0xBB67AE85;
  std::uint32_t c[4] = {static_cast<std::uint32_t>(counter),
                        static_cast<std::uint32_t>(counter >> 32), 0, 0};
  std::uint32_t k[2] = {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)};
  for (int round = 0; round < 10; ++round) {
    std::uint64_t p0 = std::uint64_t{kMul0} * c[0];
    std::uint64_t p1 = std::uint64_t{kMul1} * c[2];
    std::uint32_t next[4] = {
        static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
        static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
    for (int i = 0; i < 4; ++i) c[i] = next[i];
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return {{c[0], c[1], c[2], c[3]}};
}

// 24 random bits scaled by 2^-24: exact in float, in [0, 1).
CHASE_HOST_DEVICE inline float uniform_f32(std::uint64_t seed, std::uint64_t index) {
  const Words w = block(index, seed);
  return static_cast<float>(w.word[0] >> 8) * (1.0f / 16777216.0f);
}

// 53 random bits scaled by 2^-53: exact in double, in [0, 1).
CHASE_HOST_DEVICE inline double uniform_f64(std::uint64_t seed, std::uint64_t index) {
  const Words w = block(index, seed);
  std::uint64_t bits = (std::uint64_t{w.word[0]} << 21) ^ (w.word[1] >> 11);
  return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1.0p-53;
}

// Box-Muller on words 2 and 3 of the same block.
CHASE_HOST_DEVICE inline double normal(std::uint64_t seed, std::uint64_t index) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const Words w = block(index, seed);
  // u1 in (0, 1] so that log(u1) is finite.
  double u1 = (static_cast<double>(w.word[2]) + 1.0) * 0x1.0p-32;
  double u2 = static_cast<double>(w.word[3]) * 0x1.0p-32;
  return ::sqrt(-2.0 * ::log(u1)) * ::cos(kTwoPi * u2);
}

}  // namespace chase::philox

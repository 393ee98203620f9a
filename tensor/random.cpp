#include "tensor/random.h"

#include <cmath>
#include <numbers>

namespace chase {

PhiloxBlock philox4x32(std::uint64_t counter, std::uint64_t key) {
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

float philox_uniform_f32(std::uint64_t seed, std::uint64_t index) {
  auto block = philox4x32(index, seed);
  return static_cast<float>(block.word[0] >> 8) * (1.0f / 16777216.0f);
}

double philox_uniform_f64(std::uint64_t seed, std::uint64_t index) {
  auto block = philox4x32(index, seed);
  std::uint64_t bits = (std::uint64_t{block.word[0]} << 21) ^ (block.word[1] >> 11);
  return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1.0p-53;
}

double philox_normal(std::uint64_t seed, std::uint64_t index) {
  auto block = philox4x32(index, seed);
  // u1 in (0, 1] so that log(u1) is finite.
  double u1 = (static_cast<double>(block.word[2]) + 1.0) * 0x1.0p-32;
  double u2 = static_cast<double>(block.word[3]) * 0x1.0p-32;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace chase

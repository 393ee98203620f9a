#include "tensor/random.h"

#include "tensor/philox.h"

namespace chase {

// The arithmetic lives in philox.h, shared with the CUDA kernels.

PhiloxBlock philox4x32(std::uint64_t counter, std::uint64_t key) {
  const philox::Words w = philox::block(counter, key);
  return {{w.word[0], w.word[1], w.word[2], w.word[3]}};
}

float philox_uniform_f32(std::uint64_t seed, std::uint64_t index) {
  return philox::uniform_f32(seed, index);
}

double philox_uniform_f64(std::uint64_t seed, std::uint64_t index) {
  return philox::uniform_f64(seed, index);
}

double philox_normal(std::uint64_t seed, std::uint64_t index) {
  return philox::normal(seed, index);
}

}  // namespace chase

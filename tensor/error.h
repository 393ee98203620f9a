// Errors of the whole library: one exception type whose message names the op
// and shows expected vs actual, and a check macro that stays on in release.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace chase {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// CHASE_CHECK(cond, "conv2d: expected {} channels, got {}", a, b)
// Throws chase::Error with the formatted message when cond is false.
#define CHASE_CHECK(cond, ...)                                  \
  do {                                                          \
    if (!(cond)) throw ::chase::Error(fmt::format(__VA_ARGS__)); \
  } while (0)

}  // namespace chase

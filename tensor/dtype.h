// Element types. f32 and f64 are the arithmetic types; i64 holds indices
// (class labels, argmax results, max-pool positions) as PyTorch does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chase {

enum class DType : std::uint8_t { f32, f64, i64 };

constexpr std::size_t element_size(DType t) {
  return t == DType::f32 ? 4 : 8;
}

constexpr std::string_view name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t != DType::i64; }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::i64; };

// Calls f(T{}) with T the C++ type of dtype: the one place a DType becomes a type.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i64: return f(std::int64_t{});
  }
  return f(float{});
}

// As visit_dtype, for kernels defined only on floating types.
template <class F>
decltype(auto) visit_floating(DType t, F&& f) {
  if (t == DType::f64) return f(double{});
  return f(float{});
}

}  // namespace chase

// Golden cases: inputs and PyTorch's outputs for one op call, read from the JSON
// files that tests/golden/make_golden.py writes (its docstring specifies the
// format), and the comparison of chase's results with them.
//
// A case runs once per dtype it lists. Floating inputs are read in their stored
// dtype (f32 inputs are exact f32 values) and converted to the run's dtype;
// expected floating outputs are PyTorch's float64 results and stay f64, so an
// f32 run is compared with the exact answer. i64 entries stay i64.
//
// Tolerance (golden_tolerance): 1e-10 for f64 runs, 1e-5 for f32 runs, relative
// to the element or to the tensor's scale, whichever is larger:
//   |actual - expected| <= tol * |expected| + tol * max(1, max |expected|).
// The scale term is there because accumulating ops (sums, convolutions, batch-norm
// gradients) make errors proportional to the magnitude of their terms, not of a
// result that happens to cancel to nearly zero. i64 outputs must match exactly.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/ops.h"
#include "tests/test_util.h"

namespace chase::test {

inline DType golden_dtype(const std::string& name, const std::string& where) {
  if (name == "f32") return DType::f32;
  if (name == "f64") return DType::f64;
  if (name == "i64") return DType::i64;
  throw Error(fmt::format("{}: dtype must be f32, f64 or i64, got \"{}\"", where, name));
}

// A TENSOR entry {"shape", "dtype", "data"} in its stored dtype.
inline Tensor golden_tensor(const nlohmann::json& entry, const std::string& where) {
  auto shape = entry.at("shape").get<Shape>();
  auto dtype = golden_dtype(entry.at("dtype").get<std::string>(), where);
  auto values = entry.at("data").get<std::vector<double>>();
  CHASE_CHECK(std::ssize(values) == numel(shape), "{}: {} values for shape {} ({} elements)",
              where, values.size(), to_string(shape), numel(shape));
  return Tensor::from_vector(values, shape, dtype);
}

class GoldenCase {
 public:
  GoldenCase(nlohmann::json json, std::string file) : json_(std::move(json)) {
    name_ = json_.at("name").get<std::string>();
    where_ = file + ": case " + name_;
    op_ = json_.at("op").get<std::string>();
    for (const auto& dtype : json_.at("dtypes")) {
      dtypes_.push_back(golden_dtype(dtype.get<std::string>(), where_));
    }
  }

  const std::string& name() const { return name_; }
  const std::string& op() const { return op_; }
  const std::vector<DType>& dtypes() const { return dtypes_; }

  bool has_input(const std::string& key) const { return json_.at("inputs").contains(key); }
  // A floating input converted to `dtype`; an i64 input as it is.
  Tensor input(const std::string& key, DType dtype) const {
    return in_run_dtype(golden_tensor(entry("inputs", key), where_ + " input " + key), dtype);
  }
  // An input holding a list of tensors (concat, stack).
  std::vector<Tensor> input_list(const std::string& key, DType dtype) const {
    std::vector<Tensor> tensors;
    for (const auto& item : entry("inputs", key)) {
      tensors.push_back(in_run_dtype(golden_tensor(item, where_ + " input " + key), dtype));
    }
    return tensors;
  }
  // An input when the case has it, else an undefined tensor (optional bias, weight).
  Tensor optional_input(const std::string& key, DType dtype) const {
    return has_input(key) ? input(key, dtype) : Tensor{};
  }

  bool has_output(const std::string& key) const { return json_.at("outputs").contains(key); }
  // An expected output as stored: f64 (PyTorch's float64 result) or i64.
  Tensor expected(const std::string& key) const {
    return golden_tensor(entry("outputs", key), where_ + " output " + key);
  }
  std::vector<Tensor> expected_list(const std::string& key) const {
    std::vector<Tensor> tensors;
    for (const auto& item : entry("outputs", key)) {
      tensors.push_back(golden_tensor(item, where_ + " output " + key));
    }
    return tensors;
  }
  // An expected output converted to `dtype` (when a backward op takes a forward result).
  Tensor expected(const std::string& key, DType dtype) const {
    return in_run_dtype(expected(key), dtype);
  }

  template <class T>
  T param(const std::string& key) const {
    return entry("params", key).get<T>();
  }
  // A number or null.
  std::optional<double> optional_param(const std::string& key) const {
    const auto& value = entry("params", key);
    if (value.is_null()) return std::nullopt;
    return value.get<double>();
  }

 private:
  static Tensor in_run_dtype(const Tensor& t, DType dtype) {
    return is_floating(t.dtype()) ? t.to(dtype) : t;
  }
  const nlohmann::json& entry(const char* section, const std::string& key) const {
    const auto& entries = json_.at(section);
    CHASE_CHECK(entries.contains(key), "{}: no {} entry \"{}\"", where_, section, key);
    return entries.at(key);
  }

  nlohmann::json json_;
  std::string name_, op_, where_;
  std::vector<DType> dtypes_;
};

// The cases of a golden file, `relative` to the test data folder (e.g.
// "golden/tensor/conv.json"). Errors name the file.
inline std::vector<GoldenCase> load_golden(const std::string& relative) {
  auto path = test_data_path(relative);
  std::ifstream in(path);
  CHASE_CHECK(in.good(), "load_golden: cannot open {}", path);
  nlohmann::json file;
  try {
    file = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("load_golden: {} is not valid JSON: {}", path, e.what()));
  }
  CHASE_CHECK(file.value("format", "") == "chase-golden-1",
              "load_golden: {}: format must be \"chase-golden-1\", got {}", path,
              file.value("format", nlohmann::json()).dump());
  std::vector<GoldenCase> cases;
  for (const auto& json : file.at("cases")) cases.emplace_back(json, path);
  return cases;
}

inline double golden_tolerance(DType dtype) { return dtype == DType::f64 ? 1e-10 : 1e-5; }

// Checks (without aborting the test case) that `actual` matches the golden
// `expected` for a run in `dtype`: same shape, dtype (i64 stays i64, floating
// results are in the run's dtype) and values within the tolerance above.
inline void check_golden(const Tensor& actual, const Tensor& expected, DType dtype,
                         const std::string& what) {
  INFO(what);
  if (!actual.defined()) {
    FAIL_CHECK("undefined tensor, expected " << to_string(expected.shape()));
    return;
  }
  auto expected_dtype = is_floating(expected.dtype()) ? dtype : expected.dtype();
  CHECK_MESSAGE(actual.dtype() == expected_dtype,
                "dtype " << name(actual.dtype()) << ", expected " << name(expected_dtype));
  if (actual.shape() != expected.shape()) {
    FAIL_CHECK("shape " << to_string(actual.shape()) << ", expected "
                        << to_string(expected.shape()));
    return;
  }
  auto got = actual.to_vector(), want = expected.to_vector();
  if (want.empty()) return;
  double tol = is_floating(expected.dtype()) ? golden_tolerance(dtype) : 0.0;
  double scale = 1.0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  std::size_t worst = 0;
  double worst_excess = -INFINITY;
  for (std::size_t i = 0; i < want.size(); ++i) {
    double excess = std::abs(got[i] - want[i]) - tol * (std::abs(want[i]) + scale);
    if (std::isnan(got[i])) excess = INFINITY;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  CHECK_MESSAGE(worst_excess <= 0.0,
                fmt::format("element {} of {}: {}, expected {} (tolerance {}, scale {})", worst,
                            want.size(), got[worst], want[worst], tol, scale));
}

// Compares `actual` with the case's output `key`.
inline void check_golden(const Tensor& actual, const GoldenCase& c, const std::string& key,
                         DType dtype) {
  check_golden(actual, c.expected(key), dtype,
               c.name() + " " + std::string(name(dtype)) + " " + key);
}

}  // namespace chase::test

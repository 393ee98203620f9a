// gradcheck: runs the gradient checker (autograd/gradcheck.h) over every case
// of the op registry (autograd/op_registry.h) in f64 and prints one row per op
// and shape. Exits with status 1 if any case fails, 2 on a usage error.
//
//   gradcheck [--filter SUBSTRING] [--eps E] [--atol A] [--rtol R] [--verbose]
#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "autograd/op_registry.h"

using namespace chase;

namespace {

struct Arguments {
  std::string filter;
  GradcheckOptions options;
  bool verbose = false;
};

int usage(const std::string& problem) {
  fmt::print(stderr,
             "gradcheck: {}\nusage: gradcheck [--filter SUBSTRING] [--eps E] [--atol A] "
             "[--rtol R] [--verbose]\n",
             problem);
  return 2;
}

double parse_number(std::string_view flag, const char* text) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0')
    throw Error(fmt::format("{} expects a number, got \"{}\"", flag, text));
  return value;
}

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--verbose") {
      args.verbose = true;
      continue;
    }
    if (i + 1 >= argc) throw Error(fmt::format("{} needs a value", flag));
    const char* value = argv[++i];
    if (flag == "--filter") args.filter = value;
    else if (flag == "--eps") args.options.eps = parse_number(flag, value);
    else if (flag == "--atol") args.options.atol = parse_number(flag, value);
    else if (flag == "--rtol") args.options.rtol = parse_number(flag, value);
    else throw Error(fmt::format("unknown option {}", flag));
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  try {
    args = parse(argc, argv);
  } catch (const Error& e) {
    return usage(e.what());
  }
  fmt::print("gradcheck: f64 central differences, eps {:g}, pass when |a - n| <= {:g} + {:g} |n|\n\n",
             args.options.eps, args.options.atol, args.options.rtol);
  fmt::print("{:<20} {:<42} {:<42} {:>11} {:>11}  {}\n", "op", "inputs", "args", "max abs err",
             "max rel err", "result");

  int cases = 0, failures = 0;
  double worst_abs = 0, worst_rel = 0;
  std::uint64_t seed = 1000;
  for (const auto& op_case : differentiable_op_cases()) {
    auto case_seed = seed;
    seed += 16;
    if (op_case.op.find(args.filter) == std::string::npos) continue;
    ++cases;
    std::string result_text;
    GradcheckResult result;
    try {
      result = gradcheck(op_case.fn, make_inputs(op_case, case_seed), args.options);
      result_text = result.passed ? "pass" : "FAIL";
    } catch (const Error& e) {
      result.passed = false;
      result_text = fmt::format("ERROR: {}", e.what());
    }
    if (!result.passed) ++failures;
    worst_abs = std::max(worst_abs, result.max_abs_error());
    worst_rel = std::max(worst_rel, result.max_rel_error());
    fmt::print("{:<20} {:<42} {:<42} {:>11.2e} {:>11.2e}  {}\n", op_case.op, op_case.shapes(),
               op_case.args, result.max_abs_error(), result.max_rel_error(), result_text);
    if (args.verbose || !result.passed) fmt::print("{}", result.str());
  }
  fmt::print("\n{} cases, {} failed; worst max abs err {:.2e}, worst max rel err {:.2e}\n", cases,
             failures, worst_abs, worst_rel);
  return failures == 0 ? 0 : 1;
}

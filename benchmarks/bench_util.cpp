#include "benchmarks/bench_util.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "tensor/error.h"

namespace chase::bench {

using nlohmann::json;

double median_seconds(const std::function<void()>& fn, const Timing& timing) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < timing.warmup; ++i) fn();
  std::vector<double> times;
  const auto started = Clock::now();
  while (std::ssize(times) < timing.min_runs ||
         std::chrono::duration<double>(Clock::now() - started).count() < timing.min_seconds) {
    const auto begin = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
  }
  std::nth_element(times.begin(), times.begin() + std::ssize(times) / 2, times.end());
  return times[times.size() / 2];
}

json timing_json(const Timing& timing) {
  return {{"warmup", timing.warmup},
          {"min_runs", timing.min_runs},
          {"min_seconds", timing.min_seconds},
          {"statistic", "median"}};
}

Options parse_options(int argc, char** argv, Options defaults) {
  Options options = std::move(defaults);
  auto usage = [&] {
    std::string settings;
    for (const auto& [name, setting] : options.settings)
      settings += fmt::format(" [--{} {}]", name, setting.accepted);
    return fmt::format(
        "usage: {0}{2} [--json PATH] [--no-peer] [--python {1}] [--peer SCRIPT] "
        "[--min-seconds S]",
        options.program, options.python_usage, settings);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      CHASE_CHECK(i + 1 < argc, "{}: {} needs a value", options.program, arg);
      return argv[++i];
    };
    if (arg == "--json") {
      options.json_path = value();
    } else if (arg == "--python") {
      options.python = value();
    } else if (arg == "--peer") {
      options.peer = value();
    } else if (arg == "--no-peer") {
      options.with_peer = false;
    } else if (arg == "--min-seconds") {
      options.timing.min_seconds = std::stod(value());
    } else if (arg.starts_with("--") && options.settings.contains(arg.substr(2))) {
      options.settings[arg.substr(2)].value = value();
    } else if (arg == "--help" || arg == "-h") {
      fmt::print("{}\n", usage());
      std::exit(0);
    } else {
      throw Error(fmt::format("{}: unknown argument {}\n{}", options.program, arg, usage()));
    }
  }
  return options;
}

std::optional<json> run_peer(const Options& options, json spec) {
  spec["warmup"] = options.timing.warmup;
  spec["min_runs"] = options.timing.min_runs;
  spec["min_seconds"] = options.timing.min_seconds;
  const auto spec_path = (std::filesystem::temp_directory_path() /
                          fmt::format("{}_peer_{}.json", options.program, getpid()))
                             .string();
  std::ofstream(spec_path) << spec.dump();
  const std::string command =
      fmt::format("'{}' '{}' '{}'", options.python, options.peer, spec_path);
  std::FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  if (pipe) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  }
  const int status = pipe ? pclose(pipe) : -1;
  std::remove(spec_path.c_str());
  if (status != 0) {
    std::cerr << fmt::format("{}: peer `{}` failed (status {}); no PyTorch column\n",
                             options.program, command, status);
    return std::nullopt;
  }
  return json::parse(output);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return fmt::format("{} {} {}", one, five, fifteen);
}

void write_report(const Options& options, const json& report) {
  if (options.json_path.empty()) return;
  std::ofstream out(options.json_path);
  out << report.dump(2) << "\n";
  CHASE_CHECK(out.good(), "{}: cannot write {}", options.program, options.json_path);
}

int benchmark_main(int argc, char** argv, const Options& defaults,
                   const std::function<void(const Options&)>& run) {
  try {
    run(parse_options(argc, argv, defaults));
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace chase::bench

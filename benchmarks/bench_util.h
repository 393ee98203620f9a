// What every benchmark program shares: the timing loop, the command line, the
// PyTorch peer process that times the same work, and the JSON report.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace chase::bench {

struct Timing {
  int warmup;          // untimed calls first (primitive creation, caches, page faults)
  int min_runs;        // at least this many timed calls ...
  double min_seconds;  // ... and at least this long in all; the median is reported
};

// Median seconds of one call of fn.
double median_seconds(const std::function<void()>& fn, const Timing& timing);

// The timing settings as the report states them.
nlohmann::json timing_json(const Timing& timing);

// A program's own `--NAME VALUE` option.
struct Setting {
  std::string value;     // the default, replaced by the command line's value
  std::string accepted;  // what the usage text says it takes: "cpu|cuda", "N"
};

struct Options {
  std::string program;             // "bench_ops": prefixes errors, names temporary files
  std::string peer;                // the PyTorch peer script
  std::string python_usage;        // what --python asks for, in the usage text
  Timing timing;
  std::string python = "/usr/bin/python3";
  std::string json_path = {};      // --json: where the report goes; empty: no report
  bool with_peer = true;
  std::map<std::string, Setting> settings = {};  // by NAME, without the dashes
};

// Reads --json PATH, --no-peer, --python PATH, --peer SCRIPT, --min-seconds S
// and the program's settings over the defaults; throws with the usage text on
// anything else.
Options parse_options(int argc, char** argv, Options defaults);

// Runs the peer (`python peer SPEC`) on `spec`, with options.timing added to
// it, and returns the JSON it prints; nothing (with a message) when it fails.
std::optional<nlohmann::json> run_peer(const Options& options, nlohmann::json spec);

// /proc/loadavg's 1, 5 and 15 minute averages, "0.25 1.13 1.53": printed
// before and after a run, since other busy programs spoil every timing.
std::string load_average();

// Writes the report to options.json_path; nothing without --json.
void write_report(const Options& options, const nlohmann::json& report);

// The body of main(): parses the options and calls run; an error is printed
// and makes the exit status 1.
int benchmark_main(int argc, char** argv, const Options& defaults,
                   const std::function<void(const Options&)>& run);

}  // namespace chase::bench

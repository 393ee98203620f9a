// A small command-line parser for the `chase` program: each subcommand
// declares its options (with a value, or boolean flags) and positional
// arguments, each with a line of help; parse() checks the arguments against
// them and usage() prints them. Accepted forms: `--name value`, `--name=value`,
// `--flag`, `--flag=true|false`. Values are converted on request, with errors
// that name the option, what was expected and what was given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chase::cli {

// A mistake in the command line: the caller prints it with the usage and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ParsedArgs;

class ArgParser {
 public:
  // `command` as the user types it ("chase train"), `summary` one sentence.
  ArgParser(std::string command, std::string summary);

  // An option taking a value; an empty default means the option is unset unless given.
  ArgParser& option(std::string name, std::string value_name, std::string help,
                    std::string default_value = "");
  // A boolean option: `--name` alone means true. A nullopt default leaves it
  // unset unless given (the help then states what applies).
  ArgParser& flag(std::string name, std::string help, std::optional<bool> default_value = false);
  // A required positional argument, in declaration order.
  ArgParser& positional(std::string name, std::string help);
  // Positional arguments after the others ("RUN..."), at least `at_least` of
  // them, read with ParsedArgs::rest().
  ArgParser& rest(std::string name, std::string help, std::size_t at_least = 1);

  // Throws UsageError for an unknown option, a missing value or positional
  // argument, or a surplus argument. `--help` anywhere sets help_requested()
  // and skips every other check.
  ParsedArgs parse(std::span<const std::string> args) const;
  std::string usage() const;
  const std::string& command() const { return command_; }

 private:
  struct Option {
    std::string name, value_name, help, default_value;
    bool is_flag = false;
  };
  const Option* find(const std::string& name) const;

  std::string command_, summary_;
  std::vector<Option> options_;
  std::vector<std::pair<std::string, std::string>> positionals_;  // name, help
  std::optional<std::pair<std::string, std::string>> rest_;       // name, help
  std::size_t rest_at_least_ = 1;
};

class ParsedArgs {
 public:
  bool help_requested() const { return help_requested_; }
  // Given on the command line or by a default.
  bool has(const std::string& name) const { return values_.contains(name); }
  // Given on the command line (a default does not count).
  bool given(const std::string& name) const { return given_.contains(name); }

  // The value of an option or positional argument; throws UsageError when it is unset.
  const std::string& string(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  bool flag(const std::string& name) const;
  // One of `choices`, else a UsageError listing them.
  const std::string& choice(const std::string& name, std::span<const std::string> choices) const;
  // The arguments ArgParser::rest collected, in order.
  const std::vector<std::string>& rest() const { return rest_; }

 private:
  friend class ArgParser;
  // "--name" for an option, "name" for a positional argument: as the usage spells it.
  std::string spelled(const std::string& name) const;

  bool help_requested_ = false;
  std::map<std::string, std::string> values_;  // by name, without the leading "--"
  std::set<std::string> given_;                // the names on the command line
  std::set<std::string> positional_names_;
  std::vector<std::string> rest_;
};

// "a,b,,c" -> {"a", "b", "", "c"}: the items of a comma-separated option value.
std::vector<std::string> split_commas(const std::string& text);

// Runs a subcommand the way every `chase` command runs: `--help` prints the usage
// (status 0); `prepare` turns the parsed arguments into the work to do, and any
// exception it throws is a mistake in the command line, printed with the usage
// (status 2); an exception from the work itself is printed as "<command>: error:
// ..." (status 1).
using Work = std::function<void()>;
int run_command(const ArgParser& parser, std::span<const std::string> args,
                const std::function<Work(const ParsedArgs&)>& prepare);

}  // namespace chase::cli

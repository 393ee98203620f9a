// The command-line parser of the `chase` program.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "examples/cli.h"

using chase::cli::ArgParser;
using chase::cli::ParsedArgs;
using chase::cli::UsageError;

namespace {

ArgParser make_parser() {
  ArgParser parser("chase demo", "A demo command.");
  parser.positional("NAME", "what to greet")
      .option("epochs", "N", "how many", "5")
      .option("lr", "RATE", "a rate")
      .flag("nesterov", "on by default", true)
      .flag("resume", "off by default");
  return parser;
}

ParsedArgs parse(const std::vector<std::string>& args) { return make_parser().parse(args); }

// The message of the UsageError that parsing `args` throws, or "" when none is thrown.
std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse(args);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cli: values, defaults and both spellings of an option") {
  auto parsed = parse({"world", "--lr", "0.1", "--epochs=7", "--resume"});
  CHECK(parsed.string("NAME") == "world");
  CHECK(parsed.real("lr") == 0.1);
  CHECK(parsed.integer("epochs") == 7);
  CHECK(parsed.flag("resume"));
  CHECK(parsed.flag("nesterov"));  // default on

  auto defaults = parse({"world", "--nesterov=false"});
  CHECK(defaults.integer("epochs") == 5);
  CHECK_FALSE(defaults.has("lr"));
  CHECK_FALSE(defaults.flag("nesterov"));
  CHECK_FALSE(defaults.flag("resume"));
  CHECK_THROWS_WITH_AS(defaults.string("lr"), "missing required --lr", UsageError);
}

TEST_CASE("cli: given() tells the options on the command line from defaults") {
  auto parsed = parse({"world", "--lr", "0.1"});
  CHECK(parsed.given("NAME"));
  CHECK(parsed.given("lr"));
  CHECK(parsed.has("epochs"));  // by its default
  CHECK_FALSE(parsed.given("epochs"));
  CHECK_FALSE(parsed.given("nesterov"));
  CHECK(parse({"world", "--epochs", "5", "--nesterov=true"}).given("epochs"));
  CHECK(parse({"world", "--epochs", "5", "--nesterov=true"}).given("nesterov"));

  // A flag without a default is unset unless given, and its help adds nothing.
  ArgParser parser("chase demo", "A demo command.");
  parser.flag("fast", "go fast", std::nullopt);
  CHECK_FALSE(parser.parse(std::vector<std::string>{}).has("fast"));
  CHECK(parser.parse(std::vector<std::string>{"--fast"}).flag("fast"));
  CHECK(parser.usage().find("go fast\n") != std::string::npos);
}

TEST_CASE("cli: --help skips every other check") {
  auto parsed = parse({"--bogus", "--help"});
  CHECK(parsed.help_requested());
  auto usage = make_parser().usage();
  CHECK(usage.find("usage: chase demo NAME [options]") == 0);
  CHECK(usage.find("--epochs N") != std::string::npos);
  CHECK(usage.find("(default 5)") != std::string::npos);
  CHECK(usage.find("--nesterov=false turns it off") != std::string::npos);
}

TEST_CASE("cli: mistakes name the option and what was expected") {
  CHECK(usage_error({"world", "--bogus"}) == "unknown option '--bogus'");
  CHECK(usage_error({"world", "--lr"}) == "option '--lr' needs a value RATE");
  CHECK(usage_error({}) == "missing argument NAME");
  CHECK(usage_error({"world", "again"}) == "unexpected argument 'again'");
  CHECK(usage_error({"world", "--resume=maybe"}) ==
        "--resume: expected true or false, got 'maybe'");

  auto parsed = parse({"world", "--epochs", "5x", "--lr", "fast"});
  CHECK_THROWS_WITH_AS(parsed.integer("epochs"), "--epochs: expected an integer, got '5x'",
                       UsageError);
  CHECK_THROWS_WITH_AS(parsed.real("lr"), "--lr: expected a finite number, got 'fast'", UsageError);
  CHECK_THROWS_WITH_AS(parse({"world", "--lr", "nan"}).real("lr"),
                       "--lr: expected a finite number, got 'nan'", UsageError);
  const std::vector<std::string> names = {"earth", "moon"};
  CHECK(parse({"moon"}).choice("NAME", names) == "moon");
  CHECK_THROWS_WITH_AS(parsed.choice("NAME", names),
                       "NAME: expected one of earth, moon, got 'world'", UsageError);
}

TEST_CASE("cli: a trailing list of positional arguments (RUN...) takes one or more") {
  ArgParser parser("chase demo", "A demo command.");
  parser.rest("RUN...", "runs").option("out", "STEM", "output");
  auto parsed = parser.parse(std::vector<std::string>{"a", "--out", "x", "b", "c"});
  CHECK(parsed.rest() == std::vector<std::string>{"a", "b", "c"});
  CHECK(parsed.string("out") == "x");
  CHECK_THROWS_WITH_AS(parser.parse(std::vector<std::string>{"--out", "x"}),
                       "missing argument RUN...", UsageError);
  CHECK(parser.usage().starts_with("usage: chase demo RUN... [options]"));
  // Without rest(), a surplus argument is still refused.
  CHECK(usage_error({"world", "extra"}) == "unexpected argument 'extra'");
}

#include "examples/cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace chase::cli {
namespace {

// std::from_chars on the whole text: a partial number ("12abc") is an error.
template <class T>
std::optional<T> parse_number(const std::string& text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return std::nullopt;
}

}  // namespace

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

ArgParser& ArgParser::option(std::string name, std::string value_name, std::string help,
                             std::string default_value) {
  options_.push_back(
      {std::move(name), std::move(value_name), std::move(help), std::move(default_value), false});
  return *this;
}

ArgParser& ArgParser::flag(std::string name, std::string help,
                           std::optional<bool> default_value) {
  std::string text = !default_value ? "" : *default_value ? "true" : "false";
  options_.push_back({std::move(name), "", std::move(help), std::move(text), true});
  return *this;
}

ArgParser& ArgParser::positional(std::string name, std::string help) {
  positionals_.emplace_back(std::move(name), std::move(help));
  return *this;
}

ArgParser& ArgParser::rest(std::string name, std::string help, std::size_t at_least) {
  rest_.emplace(std::move(name), std::move(help));
  rest_at_least_ = at_least;
  return *this;
}

const ArgParser::Option* ArgParser::find(const std::string& name) const {
  auto it = std::find_if(options_.begin(), options_.end(),
                         [&](const Option& option) { return option.name == name; });
  return it == options_.end() ? nullptr : &*it;
}

ParsedArgs ArgParser::parse(std::span<const std::string> args) const {
  ParsedArgs parsed;
  for (const auto& [name, help] : positionals_) parsed.positional_names_.insert(name);
  if (std::ranges::find(args, "--help") != args.end()) {
    parsed.help_requested_ = true;
    return parsed;
  }
  for (const auto& option : options_) {
    if (!option.default_value.empty()) parsed.values_[option.name] = option.default_value;
  }
  std::size_t positional_count = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      if (positional_count == positionals_.size()) {
        if (!rest_) throw UsageError(fmt::format("unexpected argument '{}'", arg));
        parsed.rest_.push_back(arg);
        continue;
      }
      parsed.given_.insert(positionals_[positional_count].first);
      parsed.values_[positionals_[positional_count++].first] = arg;
      continue;
    }
    auto equals = arg.find('=');
    std::string name = arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    const Option* option = find(name);
    if (option == nullptr) {
      throw UsageError(fmt::format("unknown option '--{}'", name));
    }
    if (equals != std::string::npos) {
      parsed.values_[name] = arg.substr(equals + 1);
    } else if (option->is_flag) {
      parsed.values_[name] = "true";
    } else {
      if (i + 1 == args.size()) {
        throw UsageError(fmt::format("option '--{}' needs a value {}", name, option->value_name));
      }
      parsed.values_[name] = args[++i];
    }
    parsed.given_.insert(name);
    if (option->is_flag) parsed.flag(name);  // checks the value now, not when first read
  }
  if (positional_count < positionals_.size()) {
    throw UsageError(fmt::format("missing argument {}", positionals_[positional_count].first));
  }
  if (rest_ && parsed.rest_.size() < rest_at_least_) {
    throw UsageError(fmt::format("missing argument {}", rest_->first));
  }
  return parsed;
}

std::string ArgParser::usage() const {
  std::string text = fmt::format("usage: {}", command_);
  for (const auto& [name, help] : positionals_) text += " " + name;
  if (rest_) text += rest_at_least_ == 0 ? " [" + rest_->first + "]" : " " + rest_->first;
  if (!options_.empty()) text += " [options]";
  text += fmt::format("\n\n{}\n", summary_);
  for (const auto& [name, help] : positionals_) text += fmt::format("\n  {:<26}{}", name, help);
  if (rest_) text += fmt::format("\n  {:<26}{}", rest_->first, rest_->second);
  if (!positionals_.empty() || rest_) text += "\n";
  if (!options_.empty()) text += "\noptions:";
  for (const auto& option : options_) {
    auto spelled = "--" + option.name;
    auto help = option.help;
    if (!option.is_flag) {
      spelled += " " + option.value_name;
      if (!option.default_value.empty()) help += fmt::format(" (default {})", option.default_value);
    } else if (option.default_value == "true") {
      help += fmt::format(" (on by default; --{}=false turns it off)", option.name);
    }
    text += fmt::format("\n  {:<26}{}", spelled, help);
  }
  text += fmt::format("\n  {:<26}{}\n", "--help", "show this help");
  return text;
}

const std::string& ParsedArgs::string(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError(fmt::format("missing required {}", spelled(name)));
  return it->second;
}

std::string ParsedArgs::spelled(const std::string& name) const {
  return positional_names_.contains(name) ? name : "--" + name;
}

std::int64_t ParsedArgs::integer(const std::string& name) const {
  const auto& text = string(name);
  auto value = parse_number<std::int64_t>(text);
  if (!value) {
    throw UsageError(fmt::format("{}: expected an integer, got '{}'", spelled(name), text));
  }
  return *value;
}

double ParsedArgs::real(const std::string& name) const {
  const auto& text = string(name);
  auto value = parse_number<double>(text);
  if (!value || !std::isfinite(*value)) {
    throw UsageError(fmt::format("{}: expected a finite number, got '{}'", spelled(name), text));
  }
  return *value;
}

bool ParsedArgs::flag(const std::string& name) const {
  const auto& text = string(name);
  auto value = parse_bool(text);
  if (!value) {
    throw UsageError(fmt::format("{}: expected true or false, got '{}'", spelled(name), text));
  }
  return *value;
}

const std::string& ParsedArgs::choice(const std::string& name,
                                      std::span<const std::string> choices) const {
  const auto& text = string(name);
  if (std::ranges::find(choices, text) == choices.end()) {
    throw UsageError(fmt::format("{}: expected one of {}, got '{}'", spelled(name),
                                 fmt::join(choices, ", "), text));
  }
  return text;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

int run_command(const ArgParser& parser, std::span<const std::string> args,
                const std::function<Work(const ParsedArgs&)>& prepare) {
  Work work;
  try {
    auto parsed = parser.parse(args);
    if (parsed.help_requested()) {
      fmt::print("{}", parser.usage());
      return 0;
    }
    work = prepare(parsed);
  } catch (const std::exception& error) {
    fmt::print(stderr, "{}: {}\n\n{}", parser.command(), error.what(), parser.usage());
    return 2;
  }
  try {
    work();
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "{}: error: {}\n", parser.command(), error.what());
    return 1;
  }
}

}  // namespace chase::cli

// chase data fetch cifar10|cifar100 --dir DIR
#include <fmt/format.h>

#include "data/fetch.h"
#include "examples/cli.h"
#include "examples/commands.h"

namespace chase::commands {

int data_fetch(std::span<const std::string> args) {
  cli::ArgParser parser("chase data fetch",
                        "Downloads the official binary tarball of a dataset, checks its md5 and "
                        "extracts it into DIR.\nA dataset already fetched and verified there is "
                        "not downloaded again.");
  parser
      .positional("DATASET", fmt::format("one of {}", fmt::join(data::fetchable_datasets(), ", ")))
      .option("dir", "DIR", "folder to download and extract into (required)")
      .option("url", "URL",
              "a mirror of the official tarball (http, https or file URL); "
              "its md5 is checked all the same");
  try {
    auto parsed = parser.parse(args);
    if (parsed.help_requested()) {
      fmt::print("{}", parser.usage());
      return 0;
    }
    auto names = data::fetchable_datasets();
    const auto& name = parsed.choice("DATASET", names);
    data::FetchOptions options;
    if (parsed.has("url")) options.url = parsed.string("url");
    auto result = data::fetch_dataset(name, parsed.string("dir"), options);
    fmt::print("{} {} in {}\n", name,
               result.already_present ? "was already fetched and verified" : "fetched and verified",
               result.folder.string());
    return 0;
  } catch (const cli::UsageError& error) {
    fmt::print(stderr, "chase data fetch: {}\n\n{}", error.what(), parser.usage());
    return 2;
  } catch (const std::exception& error) {
    fmt::print(stderr, "chase data fetch: error: {}\n", error.what());
    return 1;
  }
}

}  // namespace chase::commands

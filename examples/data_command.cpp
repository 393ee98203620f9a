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
  return cli::run_command(parser, args, [](const cli::ParsedArgs& parsed) -> cli::Work {
    const auto name = parsed.choice("DATASET", data::fetchable_datasets());
    data::FetchOptions options;
    if (parsed.has("url")) options.url = parsed.string("url");
    const auto dir = parsed.string("dir");
    return [name, options, dir] {
      auto result = data::fetch_dataset(name, dir, options);
      fmt::print("{} {} in {}\n", name,
                 result.already_present ? "was already fetched and verified"
                                        : "fetched and verified",
                 result.folder.string());
    };
  });
}

}  // namespace chase::commands

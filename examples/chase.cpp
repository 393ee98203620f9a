// The `chase` command-line program: `chase train ...`, `chase data fetch ...`,
// `chase flops ...`, `chase eval ...`, `chase plot ...`, `chase predict ...`.
// Each subcommand lives in its own file (train_command.cpp, data_command.cpp);
// this file only picks one.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "examples/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: chase <command> [options]\n"
    "\n"
    "commands:\n"
    "  train        train a classifier, e.g.\n"
    "               chase train --dataset fashion-mnist --model small-cnn --epochs 5 --out "
    "runs/fmnist\n"
    "  data fetch   download and verify a dataset: chase data fetch cifar10|cifar100 --dir DIR\n"
    "  flops        multiply-adds per exit and parameters of a model: chase flops --model "
    "msdnet-cifar-anytime\n"
    "  eval         anytime and budgeted evaluation of a trained run: chase eval --run runs/fmnist\n"
    "  plot         accuracy against MFLOPs of evaluated runs: chase plot runs/a runs/b --out plot\n"
    "  predict      true early exit on a run's test set: chase predict --run runs/fmnist --budget 5\n"
    "\n"
    "`chase <command> --help` describes a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    fmt::print(args.empty() ? stderr : stdout, "{}", kUsage);
    return args.empty() ? 2 : 0;
  }
  const std::span<const std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "train") return chase::commands::train(rest);
  if (args[0] == "flops") return chase::commands::flops(rest);
  if (args[0] == "eval") return chase::commands::eval(rest);
  if (args[0] == "plot") return chase::commands::plot(rest);
  if (args[0] == "predict") return chase::commands::predict(rest);
  if (args[0] == "data" && !rest.empty() && rest[0] == "fetch") {
    return chase::commands::data_fetch(rest.subspan(1));
  }
  auto command = args[0] == "data" ? "data " + (rest.empty() ? std::string() : rest[0]) : args[0];
  fmt::print(stderr, "chase: unknown command '{}'\n\n{}", command, kUsage);
  return 2;
}

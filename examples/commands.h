// The subcommands of the `chase` program. Each takes the arguments after its
// name, prints its usage for --help, and returns the process exit status:
// 0 on success, 1 when the work failed (a chase::Error, printed), 2 for a
// mistake in the command line (printed with the usage).
#pragma once

#include <span>
#include <string>

namespace chase::commands {

int train(std::span<const std::string> args);       // chase train ...
int data_fetch(std::span<const std::string> args);  // chase data fetch ...
int flops(std::span<const std::string> args);       // chase flops ...
int eval(std::span<const std::string> args);        // chase eval ...
int plot(std::span<const std::string> args);        // chase plot ...

}  // namespace chase::commands

// The subcommands of `tandem`. Each lives in its own file and registers itself
// on the CLI11 app; main.cpp only builds the app and dispatches.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace tandem::cli {

std::string version_text();

}  // namespace tandem::cli

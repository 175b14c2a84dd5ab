// The subcommands of `tandem`. Each lives in its own file and registers itself
// on the CLI11 app with add_*_command; its callback leaves the process exit
// status in `exit_code` (0 success, 1 failure; CLI11 usage errors give 2).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "conf/config.hpp"

namespace tandem::cli {

// Options every subcommand shares.
struct GlobalOptions {
  std::optional<std::string> log_level;  // --log-level, overrides the config's
};

std::string version_text();

// Sets up spdlog: human format on stderr, level from --log-level if given,
// else from the config (info before a config is read).
void setup_logging(const GlobalOptions& global, conf::LogLevel config_level = conf::LogLevel::info);

// The names --log-level accepts, the same as the config's log_level.
const std::vector<std::string>& log_level_names();

// `tandem check`: validate configuration files.
void add_check_command(CLI::App& app, const GlobalOptions& global, int& exit_code);

// `tandem run`: the daemon (director/daemon).
void add_run_command(CLI::App& app, const GlobalOptions& global, int& exit_code);

// `tandem status|reload|drain|undrain|set-weight`: the control socket's clients.
void add_control_commands(CLI::App& app, int& exit_code);

// `tandem plan`: print the IPVS operations a config implies; apply nothing.
void add_plan_command(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace tandem::cli

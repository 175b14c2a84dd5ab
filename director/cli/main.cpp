// Entry point of the `tandem` executable: builds the command line and runs the
// chosen subcommand. Exit status: 0 success, 1 failure, 2 usage error.
#include <cstdio>

#include "director/cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace tandem::cli;
  CLI::App app{"tandem: a health-checking director for Linux IPVS with VRRP", "tandem"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option("--log-level", global.log_level, "Log level, overriding the config's director.log_level")
      ->check(CLI::IsMember(log_level_names()));

  int exit_code = 0;
  add_check_command(app, global, exit_code);
  add_run_command(app, global, exit_code);
  add_control_commands(app, exit_code);
  add_plan_command(app, global, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}

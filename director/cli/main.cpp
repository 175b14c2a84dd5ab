// Entry point of the `tandem` executable: builds the command line and runs the
// chosen subcommand. Exit status: 0 success, 1 failure, 2 usage error.
#include <cstdio>

#include "director/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tandem: a health-checking director for Linux IPVS with VRRP", "tandem"};
  app.set_version_flag("--version", tandem::cli::version_text());
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
  }
  return 0;
}

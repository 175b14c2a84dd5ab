// `tandem check`: parse and validate configuration files without touching the
// system. Every error of every file goes to stderr as FILE:LINE:COL: KEY: MESSAGE.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "conf/load.hpp"
#include "director/cli/commands.hpp"

namespace tandem::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> config_files;  // -c, may repeat
  std::vector<std::string> positional;
};

std::string summary(const conf::Config& c) {
  std::size_t reals = 0, checks = 0;
  for (const auto& s : c.services) {
    reals += s.reals.size();
    for (const auto& r : s.reals) checks += r.checks.size();
  }
  return fmt::format("{} service(s), {} real server(s), {} check(s), {} VRRP instance(s)", c.services.size(), reals,
                     checks, c.vrrp.size());
}

int run_check(const CheckOptions& opts, const GlobalOptions& global) {
  std::vector<std::string> files = opts.config_files;
  files.insert(files.end(), opts.positional.begin(), opts.positional.end());
  int status = 0;
  for (const auto& file : files) {
    const conf::LoadResult result = conf::load_file(file);
    if (!result.config) {
      for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      std::fprintf(stderr, "%s: %zu error(s)\n", file.c_str(), result.errors.size());
      status = 1;
      continue;
    }
    if (files.size() == 1) setup_logging(global, result.config->director.log_level);
    spdlog::debug("{}: director \"{}\", reconcile every {}", file, result.config->director.name,
                  format_duration(result.config->director.reconcile_interval));
    std::printf("%s: OK (%s)\n", file.c_str(), summary(*result.config).c_str());
  }
  return status;
}

}  // namespace

void add_check_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "Validate configuration files; report every error with file:line:col");
  cmd->add_option("-c,--config", opts->config_files, "Configuration file (may be repeated)");
  cmd->add_option("files", opts->positional, "More configuration files");
  cmd->footer("Exit status: 0 all files valid, 1 a file is invalid, 2 usage error.");
  cmd->callback([opts, &global, &exit_code, cmd] {
    if (opts->config_files.empty() && opts->positional.empty()) {
      throw CLI::RequiredError("a configuration file (-c FILE)");
    }
    (void)cmd;
    exit_code = run_check(*opts, global);
  });
}

}  // namespace tandem::cli

// `tandem run`: the daemon in the foreground (systemd runs it so, too).
#include <spdlog/spdlog.h>

#include "conf/load.hpp"
#include "director/cli/commands.hpp"
#include "director/daemon/daemon.hpp"

namespace tandem::cli {

namespace {

int run_daemon(const std::string& config_path, const GlobalOptions& global) {
  // The config's log level applies once the file is read; until then --log-level or info.
  setup_logging(global);
  if (const auto pre = conf::load_file(config_path); pre.config) setup_logging(global, pre.config->director.log_level);
  asio::io_context io(1);
  director::Daemon daemon(io, {config_path, global.log_level});
  if (auto err = daemon.start()) {
    spdlog::critical("{}", *err);
    daemon.shutdown();
    return 1;
  }
  // No exception may stop the loop for good: log it and carry on.
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      spdlog::critical("unhandled exception in the event loop: {}", e.what());
    }
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto config = std::make_shared<std::string>("/etc/tandem/tandem.toml");
  auto* cmd = app.add_subcommand("run", "Run the director in the foreground: checks, IPVS, control socket, metrics");
  cmd->add_option("-c,--config", *config, "Configuration file")->capture_default_str();
  cmd->footer(
      "Signals: SIGHUP reloads the config (an invalid one is refused and the old one keeps running);\n"
      "SIGTERM stops, leaving the IPVS table as it is unless director.cleanup_on_shutdown is set.");
  cmd->callback([config, &global, &exit_code] { exit_code = run_daemon(*config, global); });
}

}  // namespace tandem::cli

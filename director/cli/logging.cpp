// Logging set-up: one spdlog logger. Under systemd (JOURNAL_STREAM set, so
// stderr goes to the journal) it writes to the journal directly, with
// PRIORITY, SYSLOG_IDENTIFIER=tandem and the source location as fields, so
// `journalctl -p warning -u tandem` works; elsewhere a human format on stderr.
#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>  // also declares stderr_color_mt
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include "director/cli/commands.hpp"

namespace tandem::cli {

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names{"trace", "debug", "info", "warn", "error", "critical", "off"};
  return names;
}

namespace {

spdlog::level::level_enum to_spdlog(conf::LogLevel level) {
  switch (level) {
    case conf::LogLevel::trace: return spdlog::level::trace;
    case conf::LogLevel::debug: return spdlog::level::debug;
    case conf::LogLevel::info: return spdlog::level::info;
    case conf::LogLevel::warn: return spdlog::level::warn;
    case conf::LogLevel::error: return spdlog::level::err;
    case conf::LogLevel::critical: return spdlog::level::critical;
    case conf::LogLevel::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void setup_logging(const GlobalOptions& global, conf::LogLevel config_level) {
  auto logger = spdlog::get("tandem");
  if (!logger) {
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
      logger = spdlog::systemd_logger_mt("tandem", "tandem");
    } else {
      logger = spdlog::stderr_color_mt("tandem");
      logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    }
    spdlog::set_default_logger(logger);
  }
  const auto level = global.log_level ? spdlog::level::from_str(*global.log_level) : to_spdlog(config_level);
  spdlog::set_level(level);
}

}  // namespace tandem::cli

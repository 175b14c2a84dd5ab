// Logging set-up: one spdlog logger writing a human format to stderr.
#include <spdlog/sinks/stdout_color_sinks.h>  // also declares stderr_color_mt
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
    logger = spdlog::stderr_color_mt("tandem");
    // Time with milliseconds, level, message: journald adds its own metadata.
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
  }
  const auto level = global.log_level ? spdlog::level::from_str(*global.log_level) : to_spdlog(config_level);
  spdlog::set_level(level);
}

}  // namespace tandem::cli

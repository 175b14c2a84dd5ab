// Small helpers over CheckDefinition: the probe target and text for reasons.
#include "checks/core/check_definition.hpp"

#include <fmt/format.h>

namespace tandem::checks {

Endpoint probe_target(const CheckDefinition& d, const Endpoint& real) {
  Endpoint t = real;
  if (d.connect_address) t.address = *d.connect_address;
  if (d.connect_port) t.port = *d.connect_port;
  return t;
}

const char* to_string(CheckKind k) noexcept {
  switch (k) {
    case CheckKind::tcp: return "tcp";
    case CheckKind::http: return "http";
    case CheckKind::https: return "https";
    case CheckKind::exec: return "exec";
  }
  return "?";
}

const char* to_string(Health h) noexcept { return h == Health::up ? "up" : "down"; }

std::string describe(const CheckDefinition& d) {
  switch (d.kind) {
    case CheckKind::tcp: return "tcp";
    case CheckKind::http:
    case CheckKind::https: return fmt::format("{} {} {}", to_string(d.kind), d.method, d.path);
    case CheckKind::exec:
      return d.command.empty() ? std::string("exec") : fmt::format("exec {}", d.command.front());
  }
  return "?";
}

std::string format_status_list(const std::vector<StatusRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.lo == r.hi ? fmt::format("{}", r.lo) : fmt::format("{}-{}", r.lo, r.hi);
  }
  return out;
}

}  // namespace tandem::checks

// Transport protocols of a virtual service, by their config names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem {

enum class Protocol : std::uint8_t { tcp, udp, sctp };

constexpr std::string_view to_string(Protocol p) {
  switch (p) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::sctp: return "sctp";
  }
  return "?";
}

constexpr std::optional<Protocol> parse_protocol(std::string_view s) {
  if (s == "tcp") return Protocol::tcp;
  if (s == "udp") return Protocol::udp;
  if (s == "sctp") return Protocol::sctp;
  return std::nullopt;
}

}  // namespace tandem

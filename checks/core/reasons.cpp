// Canonical reason strings; see reasons.hpp.
#include "checks/core/reasons.hpp"

#include <fmt/format.h>

namespace tandem::checks::reason {

std::string connect_refused() { return "connect refused"; }
std::string connect_timeout(Duration t) { return fmt::format("connect timeout after {} ms", t.count()); }
std::string connect_failed(std::string_view m) { return fmt::format("connect failed: {}", m); }
std::string source_bind_failed(const IpAddress& s, std::string_view m) {
  return fmt::format("cannot bind source address {}: {}", s, m);
}
std::string connection_reset() { return "connection reset by peer"; }

std::string no_reply(Duration t) { return fmt::format("no reply within {} ms", t.count()); }
std::string reply_mismatch(std::string_view got, std::string_view expected) {
  return fmt::format("reply \"{}\" did not start with \"{}\"", printable(got), printable(expected));
}
std::string closed_before_reply(std::size_t bytes) {
  return fmt::format("connection closed after {} reply bytes", bytes);
}

std::string http_status(long status, const std::vector<StatusRange>& expected) {
  return fmt::format("HTTP {} (expected {})", status, format_status_list(expected));
}
std::string http_ok(long status) { return fmt::format("HTTP {}", status); }
std::string body_mismatch(std::string_view regex) { return fmt::format("body did not match /{}/", regex); }
std::string body_digest_mismatch(std::string_view got, std::string_view expected) {
  return fmt::format("body SHA-256 {} (expected {})", got, expected);
}
std::string body_too_large(std::uint32_t cap) { return fmt::format("body larger than {} bytes", cap); }
std::string not_http() { return "not an HTTP response"; }
std::string no_http_response(Duration t) { return fmt::format("no HTTP response within {} ms", t.count()); }
std::string http_headers_incomplete(Duration t) {
  return fmt::format("HTTP headers incomplete after {} ms", t.count());
}
std::string http_body_incomplete(Duration t, std::uint64_t bytes) {
  return fmt::format("HTTP body incomplete after {} ms ({} bytes)", t.count(), bytes);
}
std::string closed_without_response() { return "connection closed without an HTTP response"; }
std::string closed_mid_body(std::uint64_t bytes) { return fmt::format("connection closed mid-body ({} bytes)", bytes); }

std::string exec_exited(int status) { return fmt::format("exec exited {}", status); }
std::string exec_signalled(int sig) { return fmt::format("exec killed by signal {}", sig); }
std::string exec_killed(Duration t) { return fmt::format("exec killed after {} ms", t.count()); }

std::string printable(std::string_view bytes, std::size_t max) {
  std::string out;
  const std::size_t n = bytes.size() < max ? bytes.size() : max;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace tandem::checks::reason

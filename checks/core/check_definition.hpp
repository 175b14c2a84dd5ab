// checks::CheckDefinition: one health check of one real server, as the checks
// module understands it. A plain value (comparable, so identical checks of the
// same real server can be run once); the director translates the configuration
// into it (director/desired/check_definition.hpp), so checks never includes conf.
// Pure: no sockets, no clocks.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"

namespace tandem::checks {

enum class CheckKind : std::uint8_t { tcp, http, https, exec };
enum class Health : std::uint8_t { down, up };

// An inclusive range of HTTP status codes; a single code has lo == hi.
struct StatusRange {
  std::uint16_t lo = 200;
  std::uint16_t hi = 200;
  auto operator<=>(const StatusRange&) const = default;
};

struct CheckDefinition {
  CheckKind kind = CheckKind::tcp;
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::seconds(1);
  std::uint32_t rise = 2;                       // successes that bring a down server up
  std::uint32_t fall = 3;                       // failures that take an up server down
  std::optional<Duration> fast_interval;        // while rising or falling
  std::optional<Duration> down_interval;        // while steadily down
  Health initial = Health::down;
  std::optional<IpAddress> source_address;      // bind before connecting
  std::optional<IpAddress> connect_address;     // default: the real server's address
  std::optional<std::uint16_t> connect_port;    // default: the real server's port

  // tcp: optional exchange after connecting
  std::string send;
  std::string expect;                           // the reply must start with this

  // http / https
  std::string method = "GET";
  std::string path = "/";
  std::string host;                             // Host header; empty: the address
  std::map<std::string, std::string> headers;
  std::vector<StatusRange> expect_status{StatusRange{200, 200}};
  std::string body_regex;                       // ECMAScript, searched in the body
  std::string body_sha256;                      // lower-case hex, 64 digits
  std::uint32_t max_body_bytes = 65536;
  bool tls_verify = true;
  std::string ca_file;
  std::string sni;                              // empty: `host`, else no SNI
  std::string client_cert;
  std::string client_key;
  bool reuse_connection = false;

  // exec
  std::vector<std::string> command;             // argv, command[0] an absolute path
  std::string user = "nobody";                  // the program runs as this user
  std::uint32_t max_output_bytes = 4096;

  auto operator<=>(const CheckDefinition&) const = default;
};

// The address and port a probe connects to: connect_address/connect_port when
// set, else the real server's.
Endpoint probe_target(const CheckDefinition& d, const Endpoint& real);

// "tcp", "http", "https", "exec".
const char* to_string(CheckKind k) noexcept;
const char* to_string(Health h) noexcept;

// A short label for logs and reasons: "http GET /healthz", "tcp", "exec /usr/bin/x".
std::string describe(const CheckDefinition& d);

// "200", "200-299", "200, 301-302": the expected status list as reasons print it.
std::string format_status_list(const std::vector<StatusRange>& ranges);

}  // namespace tandem::checks

// open_probe_socket, connect_failure: see probe_socket.hpp.
#include "checks/probes/probe_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "checks/core/reasons.hpp"
#include "checks/probes/tcp_probe.hpp"

namespace tandem::checks {

std::optional<ProbeResult> open_probe_socket(const asio::ip::tcp::endpoint& target,
                                             const std::optional<IpAddress>& source, UniqueFd& out) {
  UniqueFd fd(::socket(target.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return ProbeResult::failure(reason::connect_failed(std::strerror(errno)));
  if (source) {
    const asio::ip::tcp::endpoint local(to_asio(*source), 0);
    if (::bind(fd.get(), local.data(), static_cast<socklen_t>(local.size())) != 0)
      return ProbeResult::failure(reason::source_bind_failed(*source, std::strerror(errno)));
  }
  out = std::move(fd);
  return std::nullopt;
}

std::optional<ProbeResult> connect_failure(std::error_code ec, Duration timeout, TimePoint seen) {
  if (!ec) return std::nullopt;
  if (ec == std::errc::connection_refused) return ProbeResult::failure(reason::connect_refused()).seen_at(seen);
  if (ec == std::errc::timed_out) return ProbeResult::failure(reason::connect_timeout(timeout)).seen_at(seen);
  // The handshake completed but the peer reset before we looked (a listener
  // that closed with the connection still in its accept queue).
  if (ec == std::errc::connection_reset) return ProbeResult::failure(reason::connection_reset()).seen_at(seen);
  return ProbeResult::failure(reason::connect_failed(ec.message())).seen_at(seen);
}

}  // namespace tandem::checks

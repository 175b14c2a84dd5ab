// The start and the connect outcome every connecting probe (tcp, plain http)
// shares: a non-blocking socket, bound to the check's source address if it
// has one, and the reason a failed connect is reported with.
#pragma once

#include <optional>
#include <system_error>

#include "checks/core/clock.hpp"
#include "checks/core/probe_result.hpp"
#include "common/asio.hpp"
#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "common/unique_fd.hpp"

namespace tandem::checks {

// Opens a non-blocking, close-on-exec TCP socket for `target` into `out`,
// bound to `source` if set. On failure returns the verdict ("connect failed:
// ...", "cannot bind source address ...").
std::optional<ProbeResult> open_probe_socket(const asio::ip::tcp::endpoint& target,
                                             const std::optional<IpAddress>& source, UniqueFd& out);

// The verdict of a connect the ConnectPoller reported failed ("connect
// refused", "connect timeout after N ms", "connection reset by peer",
// "connect failed: ..."), timed at the look that saw it; nothing if it
// succeeded.
std::optional<ProbeResult> connect_failure(std::error_code ec, Duration timeout, TimePoint seen);

}  // namespace tandem::checks

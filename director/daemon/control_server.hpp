// ControlServer: the daemon's Unix control socket. One request line in, one
// reply line out, then the connection closes. A malformed, oversized or slow
// request gets an error reply or a closed connection, never a crash, and never
// holds the loop (every read and write has a deadline).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <sys/types.h>

#include "common/asio.hpp"
#include "common/result.hpp"
#include "director/control/protocol.hpp"

namespace tandem::director {

class ControlServer {
 public:
  // The handler answers through `respond`, at once or later (a reload reads
  // the file first); a session waits for it up to kReplyDeadline.
  using Respond = std::function<void(control::Reply)>;
  using Handler = std::function<void(const control::Request&, Respond)>;

  ControlServer(asio::io_context& io, Handler handler);
  ~ControlServer();

  // Listens at `path` with permissions `mode` (0600 by default: root only),
  // owned by group `group` when given. A stale socket file is replaced; one
  // that another process still answers on is not (EADDRINUSE).
  std::error_code listen(const std::string& path, mode_t mode = 0600, std::optional<gid_t> group = std::nullopt);
  // Stops accepting and removes the socket file.
  void stop();

 private:
  void accept();

  asio::io_context& io_;
  Handler handler_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

// The client side, for `tandem status|reload|drain|...`: sends one request
// and waits (up to `timeout`) for the reply. Fails with the connect error
// (ENOENT, ECONNREFUSED: the daemon is not running) or a timeout.
Result<control::Reply> send_control_request(const std::string& path, const control::Request& request,
                                            std::chrono::milliseconds timeout);

}  // namespace tandem::director

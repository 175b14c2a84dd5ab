// RouteSocket: one libnl-route-3 socket (NETLINK_ROUTE) with send and receive
// timeouts, and the one request-and-wait-for-ACK routine the adapters share.
// Internal to vrrp/io: interface lookup and the address editor use it; the
// NetlinkMonitor has its own socket because it is read on the Asio loop.
//
// The socket lives in the network namespace of the thread that opened it.
// Kernel refusals keep their errno (std::system_category), read from the
// NLMSG_ERROR reply itself rather than from libnl's lossy NLE_* translation.
#pragma once

#include <chrono>
#include <memory>
#include <system_error>

#include "common/result.hpp"

struct nl_sock;
struct nl_msg;

namespace tandem::vrrp::io {

class RouteSocket {
 public:
  // Opens and connects a NETLINK_ROUTE socket with SO_SNDTIMEO/SO_RCVTIMEO set
  // to `timeout`, so a stuck kernel cannot hang the caller. Fails with the
  // libnl or system error.
  static Result<RouteSocket> open(std::chrono::milliseconds timeout);

  nl_sock* get() const noexcept { return sock_.get(); }

  // Sends `msg` (ACK requested) and waits for the kernel's answer. Returns
  // the kernel's errno as a system_category code on refusal,
  // errc::netlink_timeout when no answer came within the timeout, or a libnl
  // code for transport failures. Does not take ownership of `msg`.
  std::error_code request(nl_msg* msg);

 private:
  struct Free {
    void operator()(nl_sock* s) const noexcept;
  };
  explicit RouteSocket(std::unique_ptr<nl_sock, Free> sock) : sock_(std::move(sock)) {}
  std::unique_ptr<nl_sock, Free> sock_;
};

// Maps a negative libnl return value to an error_code: NLE_AGAIN (a timed-out
// socket) becomes errc::netlink_timeout, the rest stays in nl_category().
std::error_code from_libnl(int rc) noexcept;

}  // namespace tandem::vrrp::io

// Implementation of route_socket.hpp with libnl-3 callbacks.
#include "vrrp/io/route_socket.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "vrrp/io/errc.hpp"

namespace tandem::vrrp::io {
namespace {

struct AckState {
  bool done = false;
  int error = 0;  // positive errno from NLMSG_ERROR, 0 for an ACK
};

int on_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* state = static_cast<AckState*>(arg);
  state->error = -e->error;
  state->done = true;
  return NL_STOP;
}

int on_ack(nl_msg*, void* arg) {
  static_cast<AckState*>(arg)->done = true;
  return NL_STOP;
}

struct CbFree {
  void operator()(nl_cb* cb) const noexcept { nl_cb_put(cb); }
};

std::error_code set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  if (setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) != 0) {
    return {errno, std::system_category()};
  }
  return {};
}

}  // namespace

void RouteSocket::Free::operator()(nl_sock* s) const noexcept { nl_socket_free(s); }

std::error_code from_libnl(int rc) noexcept {
  if (rc == -NLE_AGAIN || rc == NLE_AGAIN) {
    return errc::netlink_timeout;
  }
  return make_nl_error(rc);
}

Result<RouteSocket> RouteSocket::open(std::chrono::milliseconds timeout) {
  std::unique_ptr<nl_sock, Free> sock(nl_socket_alloc());
  if (!sock) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  if (const int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) {
    return from_libnl(rc);
  }
  const int fd = nl_socket_get_fd(sock.get());
  if (auto ec = set_timeout(fd, SO_SNDTIMEO, timeout)) {
    return ec;
  }
  if (auto ec = set_timeout(fd, SO_RCVTIMEO, timeout)) {
    return ec;
  }
  return RouteSocket(std::move(sock));
}

std::error_code RouteSocket::request(nl_msg* msg) {
  if (const int rc = nl_send_auto(sock_.get(), msg); rc < 0) {
    return from_libnl(rc);
  }
  nl_cb* base = nl_socket_get_cb(sock_.get());
  std::unique_ptr<nl_cb, CbFree> cb(nl_cb_clone(base));
  nl_cb_put(base);
  if (!cb) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  AckState state;
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state);
  // Bounded: one request gets one answer; a few unrelated datagrams at most.
  for (int reads = 0; reads < 8 && !state.done; ++reads) {
    const int rc = nl_recvmsgs_report(sock_.get(), cb.get());
    if (state.done) {
      break;
    }
    if (rc < 0) {
      return from_libnl(rc);
    }
    if (rc == 0) {
      return errc::netlink_timeout;  // libnl reports a timed-out read as 0 messages
    }
  }
  if (!state.done) {
    return errc::netlink_timeout;
  }
  if (state.error != 0) {
    return {state.error, std::system_category()};
  }
  return {};
}

}  // namespace tandem::vrrp::io

// AdvertSocket: socket options at open, sendmsg with IP_PKTINFO, and
// readiness-then-recvmsg receives on an Asio raw socket wrapping the fd.
#include "vrrp/io/advert_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "vrrp/io/errc.hpp"
#include "vrrp/io/socket_util.hpp"

namespace tandem::vrrp::io {
namespace {

constexpr int kIpProtocolVrrp = 112;                          // RFC 5798 5.1.1.4
constexpr int kTtl = 255;                                     // RFC 5798 5.1.1.3
constexpr int kTos = 0xc0;                                    // DSCP CS6 (network control)
constexpr std::array<std::uint8_t, 4> kGroup{224, 0, 0, 18};  // RFC 5798 5.1.1.2

using RawSocket = asio::generic::raw_protocol::socket;

}  // namespace

struct AdvertSocket::State {
  explicit State(asio::io_context& io) : socket(io) {}
  RawSocket socket;
  int ifindex = 0;
  std::array<std::uint8_t, kReceiveBufferSize> buffer{};
};

namespace {

std::error_code configure(int fd, const InterfaceInfo& interface, bool join_multicast) {
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.name.c_str(),
                 static_cast<socklen_t>(interface.name.size())) != 0) {
    return last_error();
  }
  ip_mreqn multicast_if{};
  multicast_if.imr_address = to_in_addr(interface.primary);
  multicast_if.imr_ifindex = interface.index;
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &multicast_if, sizeof multicast_if) != 0) {
    return last_error();
  }
  if (join_multicast) {
    ip_mreqn membership = multicast_if;
    membership.imr_multiaddr = to_in_addr(IpAddress::v4(kGroup));
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &membership, sizeof membership) != 0) {
      return last_error();
    }
  }
  const int zero = 0;
  const int one = 1;
  if (auto ec = set_int(fd, IPPROTO_IP, IP_TTL, kTtl)) return ec;
  if (auto ec = set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, kTtl)) return ec;
  if (auto ec = set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, zero)) return ec;
  if (auto ec = set_int(fd, IPPROTO_IP, IP_TOS, kTos)) return ec;
  return set_int(fd, IPPROTO_IP, IP_PKTINFO, one);
}

int pktinfo_ifindex(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      return info.ipi_ifindex;
    }
  }
  return 0;
}

// One readiness wait, then as many recvmsg attempts as it takes to get one
// datagram (a spurious wake-up waits again).
void wait_and_read(std::shared_ptr<AdvertSocket::State> state,
                   AdvertSocket::ReceiveHandler handler) {
  auto* s = state.get();
  s->socket.async_wait(
      RawSocket::wait_read,
      [state = std::move(state), handler = std::move(handler)](boost::system::error_code ec) mutable {
        if (ec) {
          handler(from_asio(ec), {}, 0);
          return;
        }
        if (!state->socket.is_open()) {
          handler(std::make_error_code(std::errc::operation_canceled), {}, 0);
          return;
        }
        iovec iov{state->buffer.data(), state->buffer.size()};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo)) + 64> control{};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        // MSG_TRUNC: the return value is the datagram's real length.
        const ssize_t n =
            recvmsg(state->socket.native_handle(), &msg, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            wait_and_read(std::move(state), std::move(handler));
            return;
          }
          handler(last_error(), {}, 0);
          return;
        }
        const int ifindex = pktinfo_ifindex(msg);
        const auto length = std::min(static_cast<std::size_t>(n), state->buffer.size());
        const std::span<const std::uint8_t> packet(state->buffer.data(), length);
        const bool truncated =
            (msg.msg_flags & MSG_TRUNC) != 0 || static_cast<std::size_t>(n) > length;
        handler(truncated ? std::error_code(errc::truncated) : std::error_code(), packet, ifindex);
      });
}

}  // namespace

AdvertSocket::AdvertSocket(std::shared_ptr<State> state) : state_(std::move(state)) {}
AdvertSocket::AdvertSocket(AdvertSocket&&) noexcept = default;
AdvertSocket& AdvertSocket::operator=(AdvertSocket&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}
AdvertSocket::~AdvertSocket() { close(); }

Result<AdvertSocket> AdvertSocket::open(asio::io_context& io, const InterfaceInfo& interface,
                                        bool join_multicast) {
  if (!interface.primary.is_v4() || interface.primary.is_unspecified()) {
    return errc::no_ipv4_address;
  }
  UniqueFd fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtocolVrrp));
  if (!fd) {
    return last_error();
  }
  if (auto ec = configure(fd.get(), interface, join_multicast)) {
    return ec;
  }
  auto state = std::make_shared<State>(io);
  state->ifindex = interface.index;
  boost::system::error_code ec;
  state->socket.assign(asio::generic::raw_protocol(AF_INET, kIpProtocolVrrp), fd.get(), ec);
  if (ec) {
    return from_asio(ec);
  }
  fd.release();  // the Asio socket owns it now
  return AdvertSocket(std::move(state));
}

std::error_code AdvertSocket::send(std::span<const std::uint8_t> vrrp_message,
                                   const IpAddress& destination, const IpAddress& source) {
  if (!destination.is_v4() || !source.is_v4()) {
    return errc::not_ipv4;
  }
  if (!is_open()) {
    return errc::not_open;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = to_in_addr(destination);
  iovec iov{const_cast<std::uint8_t*>(vrrp_message.data()), vrrp_message.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = state_->ifindex;
  info.ipi_spec_dst = to_in_addr(source);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  if (sendmsg(state_->socket.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    return last_error();
  }
  return {};
}

void AdvertSocket::async_receive(ReceiveHandler handler) {
  if (!handler) {
    return;  // nobody to tell; calling it would throw bad_function_call on the loop
  }
  if (!is_open()) {
    if (state_) {
      asio::post(state_->socket.get_executor(),
                 [handler = std::move(handler)] { handler(errc::not_open, {}, 0); });
    }
    return;  // a moved-from socket has no loop to report on
  }
  wait_and_read(state_, std::move(handler));
}

void AdvertSocket::cancel() {
  if (is_open()) {
    boost::system::error_code ignored;
    state_->socket.cancel(ignored);
  }
}

void AdvertSocket::close() {
  if (state_ && state_->socket.is_open()) {
    boost::system::error_code ignored;
    state_->socket.close(ignored);
  }
}

bool AdvertSocket::is_open() const noexcept { return state_ && state_->socket.is_open(); }

int AdvertSocket::ifindex() const noexcept { return state_ ? state_->ifindex : 0; }

}  // namespace tandem::vrrp::io

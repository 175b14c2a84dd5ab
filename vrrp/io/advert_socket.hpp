// AdvertSocket: the raw IPv4 socket (protocol 112) one VRRP instance sends and
// receives advertisements on, bound to one interface and read on the Asio loop.
// It moves bytes only: callers build and parse VRRP messages (vrrp/codec).
//
// Socket options, RFC 5798 5.1.1: SO_BINDTODEVICE (only this interface's
// packets arrive), IP_MULTICAST_IF with the primary address, optional
// IP_ADD_MEMBERSHIP of 224.0.0.18 (5.1.1.2), IP_TTL and IP_MULTICAST_TTL 255
// (5.1.1.3), IP_MULTICAST_LOOP 0 (a router does not hear itself), IP_TOS 0xc0,
// IP_PKTINFO on receive. Created only by the director, which owns the
// io_context. Not thread-safe: use from the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <system_error>

#include "common/asio.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "vrrp/io/interface.hpp"

namespace tandem::vrrp::io {

class AdvertSocket {
 public:
  // Called once per async_receive: the error (std::errc::operation_canceled
  // after cancel/close, errc::truncated with the first 2 KiB of a larger datagram,
  // or a system error), the whole IPv4 datagram as received (IP header
  // included; valid only during the call) and the arrival interface index
  // from IP_PKTINFO (0 if absent).
  using ReceiveHandler =
      std::function<void(std::error_code, std::span<const std::uint8_t> ip_packet, int ifindex)>;

  static constexpr std::size_t kReceiveBufferSize = 2048;

  // Opens the socket on `interface` (its index and primary address), joining
  // 224.0.0.18 there when `join_multicast`. Fails with errc::no_ipv4_address
  // when the interface has no primary IPv4 address, else with the errno of
  // the failing socket call (EPERM without CAP_NET_RAW). Use
  // describe_interface_failure(interface.name, ec) for the message.
  static Result<AdvertSocket> open(asio::io_context& io, const InterfaceInfo& interface,
                                   bool join_multicast);

  AdvertSocket(AdvertSocket&&) noexcept;
  AdvertSocket& operator=(AdvertSocket&&) noexcept;
  ~AdvertSocket();  // closes; a pending receive completes with operation_aborted

  // Sends one VRRP message (no IP header: the kernel adds it) to
  // `destination` (224.0.0.18 or a unicast peer) out of this interface, with
  // `source` as the IPv4 source address whatever routing would pick
  // (IP_PKTINFO ipi_spec_dst). Non-blocking: a full send buffer is EAGAIN.
  // Fails with errc::not_ipv4, errc::not_open or the sendmsg errno.
  std::error_code send(std::span<const std::uint8_t> vrrp_message, const IpAddress& destination,
                       const IpAddress& source);

  // Waits for the next datagram and calls `handler` once, on the loop (with
  // errc::not_open, posted, when the socket is closed). One receive at a
  // time; call again from the handler to keep receiving. An empty handler is
  // ignored.
  void async_receive(ReceiveHandler handler);

  // Cancels a pending receive (handler gets operation_aborted); the socket
  // stays open.
  void cancel();
  // Closes the socket; idempotent.
  void close();
  bool is_open() const noexcept;
  int ifindex() const noexcept;

  struct State;  // opaque; shared with pending handlers

 private:
  explicit AdvertSocket(std::shared_ptr<State> state);
  // Shared with pending handlers so a handler that runs after the socket
  // object is gone still finds its buffer.
  std::shared_ptr<State> state_;
};

}  // namespace tandem::vrrp::io

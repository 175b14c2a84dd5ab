// GarpSender: sends one gratuitous ARP request announcing a virtual IPv4
// address, on an AF_PACKET socket bound to one interface. RFC 5798 6.4.1 and
// 6.4.2: a new master broadcasts a gratuitous ARP request for each virtual
// address so hosts and switches learn where it now lives. The burst (how many,
// how far apart) is the director's, with its timers; this sends one packet per
// call. Not thread-safe.
//
// Packet (RFC 826 layout, RFC 5227 2.4's announcement form):
//   Ethernet: dst ff:ff:ff:ff:ff:ff, src = interface MAC, type 0x0806
//   ARP:      htype 1, ptype 0x0800, hlen 6, plen 4, oper 1 (request)
//             sender MAC = interface MAC, sender IP = VIP,
//             target MAC = 00:00:00:00:00:00, target IP = VIP
#pragma once

#include <array>
#include <cstdint>
#include <system_error>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "vrrp/io/interface.hpp"
#include "vrrp/io/socket_util.hpp"

namespace tandem::vrrp::io {

class GarpSender {
 public:
  static constexpr std::size_t kArpPacketSize = 28;

  // Opens the socket bound to `interface` (SOCK_DGRAM, so the kernel adds the
  // Ethernet header). Bound with protocol 0: it only sends, so no ARP traffic
  // queues up in its receive buffer. Fails with the errno (EPERM without
  // CAP_NET_RAW, ENODEV for a vanished interface).
  static Result<GarpSender> open(const InterfaceInfo& interface);

  // Sends one gratuitous ARP request for `vip` from `interface`'s MAC,
  // broadcast (ETH_P_ARP). Non-blocking: a full queue is EAGAIN. Fails with
  // errc::not_ipv4, errc::not_open or the sendto errno (ENETDOWN when the
  // link is down).
  std::error_code send(const InterfaceInfo& interface, const IpAddress& vip);

  // The 28-byte ARP payload send() puts after the Ethernet header.
  static std::array<std::uint8_t, kArpPacketSize> build_packet(
      const std::array<std::uint8_t, 6>& mac, const IpAddress& vip);

  void close() noexcept { fd_.reset(-1); }
  bool is_open() const noexcept { return static_cast<bool>(fd_); }

 private:
  explicit GarpSender(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace tandem::vrrp::io

// GarpSender with AF_PACKET/SOCK_DGRAM and sockaddr_ll (packet(7)).
#include "vrrp/io/garp_sender.hpp"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include <cstring>

#include "vrrp/io/errc.hpp"

namespace tandem::vrrp::io {

std::array<std::uint8_t, GarpSender::kArpPacketSize> GarpSender::build_packet(
    const std::array<std::uint8_t, 6>& mac, const IpAddress& vip) {
  std::array<std::uint8_t, kArpPacketSize> p{};
  p[0] = 0x00;  // hardware type: Ethernet (1)
  p[1] = ARPHRD_ETHER;
  p[2] = 0x08;  // protocol type: IPv4 (0x0800)
  p[3] = 0x00;
  p[4] = 6;     // hardware address length
  p[5] = 4;     // protocol address length
  p[6] = 0x00;  // operation: request (1); RFC 5798 6.4.1 asks for a request
  p[7] = ARPOP_REQUEST;
  std::memcpy(&p[8], mac.data(), 6);                // sender hardware address
  std::memcpy(&p[14], vip.bytes().data(), 4);       // sender protocol address
  // p[18..23]: target hardware address, zero
  std::memcpy(&p[24], vip.bytes().data(), 4);       // target protocol address = sender's
  return p;
}

Result<GarpSender> GarpSender::open(const InterfaceInfo& interface) {
  UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return last_error();
  }
  sockaddr_ll local{};
  local.sll_family = AF_PACKET;
  local.sll_protocol = 0;  // receive nothing
  local.sll_ifindex = interface.index;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return last_error();
  }
  return GarpSender(std::move(fd));
}

std::error_code GarpSender::send(const InterfaceInfo& interface, const IpAddress& vip) {
  if (!vip.is_v4()) {
    return errc::not_ipv4;
  }
  if (!fd_) {
    return errc::not_open;
  }
  const auto packet = build_packet(interface.mac, vip);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = interface.index;
  to.sll_halen = ETH_ALEN;
  std::memset(to.sll_addr, 0xff, ETH_ALEN);  // Ethernet broadcast
  if (sendto(fd_.get(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
             reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    return last_error();
  }
  return {};
}

}  // namespace tandem::vrrp::io

// vrrp::Advert: one VRRP advertisement as the protocol sees it, and the wire
// constants of RFC 5798 (VRRPv3) and RFC 3768 (VRRPv2), IPv4 only.
// Pure: no sockets, no clocks. The codec (codec.hpp) turns these into bytes
// and back; the state machine (vrrp/machine) consumes and produces them.
#pragma once

#include <cstdint>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"

namespace tandem::vrrp {

inline constexpr std::uint8_t kIpProtocolVrrp = 112;   // RFC 5798 5.1.1.4
inline constexpr std::uint8_t kRequiredTtl = 255;      // RFC 5798 5.1.1.3, 7.1
inline constexpr std::uint8_t kIpTos = 0xc0;           // DSCP CS6, as routers send it
inline const IpAddress kMulticastGroup = IpAddress::v4({224, 0, 0, 18});  // RFC 5798 5.1.1.2

enum class Version : std::uint8_t { v2 = 2, v3 = 3 };

// Which checksum a VRRPv3 packet carries. RFC 5798 5.2.8 is read by keepalived
// and FRR as covering the IPv4 pseudo-header; RFC 9568 and several router
// vendors compute it over the VRRP message only. VRRPv2 never covers a
// pseudo-header (RFC 3768 5.3.8), whatever the mode says.
enum class ChecksumMode : std::uint8_t {
  pseudo_header,     // send and accept with the pseudo-header (default)
  no_pseudo_header,  // send and accept without it
  accept_either,     // send with the pseudo-header, accept both
};

struct Advert {
  Version version = Version::v3;
  std::uint8_t vrid = 0;        // 1..255
  std::uint8_t priority = 0;    // 0: the master is stopping; 255: address owner
  // VRRPv3: centiseconds on the wire (12 bits, RFC 5798 5.2.7);
  // VRRPv2: whole seconds on the wire (8 bits, RFC 3768 5.3.7).
  Duration interval{1000};
  std::vector<IpAddress> addresses;   // the virtual IPv4 addresses, in packet order
  auto operator<=>(const Advert&) const = default;
};

}  // namespace tandem::vrrp

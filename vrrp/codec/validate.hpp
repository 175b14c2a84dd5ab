// vrrp::validate: the receiver's checks of RFC 5798 7.1 (and RFC 3768 7.1 for
// VRRPv2) that depend on this instance's configuration, applied to a packet
// decode_ipv4 accepted. Pure.
#pragma once

#include <system_error>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "vrrp/codec/advert.hpp"
#include "vrrp/codec/codec.hpp"

namespace tandem::vrrp {

struct Expectations {
  Version version = Version::v3;
  std::uint8_t vrid = 0;
  bool we_are_owner = false;             // priority 255: we own the addresses
  Duration interval{1000};               // ours; compared for VRRPv2 only
  std::vector<IpAddress> addresses;      // ours, any order
  std::vector<IpAddress> unicast_peers;  // empty: multicast
};

// An empty error_code if the instance should act on `r`; otherwise the first
// failed check, in this order: TTL 255, version, VRID, not the owner, source
// among unicast_peers (unicast) or destination 224.0.0.18 (multicast), VRRPv2
// interval equal to ours, and the address list equal to ours unless the sender
// is the owner (priority 255), whose list is authoritative (RFC 5798 7.1).
std::error_code validate(const Received& r, const Expectations& e);

}  // namespace tandem::vrrp

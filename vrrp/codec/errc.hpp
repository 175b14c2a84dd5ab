// vrrp::errc: why the codec refused to encode an advert, or why a received
// packet was dropped. Each code has a stable snake_case name (reason_name) for
// counters and the status output, and a sentence (message()) for the log.
#pragma once

#include <string>
#include <system_error>

namespace tandem::vrrp {

enum class errc {
  // decode_ipv4: the packet itself is malformed (RFC 5798 7.1, RFC 3768 7.1)
  truncated = 1,      // shorter than its IPv4 header, VRRP header or address list
  not_ipv4,           // IP version field is not 4
  bad_ip_header,      // IHL below 5 or total length beyond the received bytes
  not_vrrp,           // IP protocol is not 112
  wrong_version,      // VRRP version is not the configured one
  wrong_type,         // VRRP type is not 1 (advertisement)
  bad_checksum,       // VRRP checksum does not verify
  bad_length,         // the address count does not match the VRRP length
  no_addresses,       // address count 0 (the minimum is 1)
  zero_interval,      // advertisement interval 0
  bad_auth,           // VRRPv2 authentication type other than 0 (none)
  // validate: a well-formed advert this instance must not act on
  wrong_ttl,          // IP TTL is not 255: it crossed a router
  other_vrid,         // for another virtual router
  we_are_owner,       // we own this VRID's addresses (priority 255); no one else may advertise
  unknown_peer,       // unicast: the source is not one of unicast_peers
  wrong_destination,  // multicast: not sent to 224.0.0.18
  interval_mismatch,  // VRRPv2: interval differs from ours (RFC 3768 7.1 requires a drop)
  address_mismatch,   // the virtual addresses differ from ours and the sender is not the owner
  // encode: the advert cannot be put on the wire
  bad_vrid,           // vrid 0
  bad_address_count,  // no virtual address, or more than 255
  not_encodable_ipv4, // an address (virtual, source or destination) is not IPv4
  bad_interval,       // not representable: v3 1..4095 centiseconds, v2 1..255 whole seconds
};

const std::error_category& codec_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// "bad_checksum"; for a code outside codec_category, "other".
const char* reason_name(errc e) noexcept;
std::string reason_name(const std::error_code& ec);

}  // namespace tandem::vrrp

template <>
struct std::is_error_code_enum<tandem::vrrp::errc> : std::true_type {};

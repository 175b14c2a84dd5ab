// The VRRP wire codec, IPv4 only: an Advert to the bytes of a VRRP message
// (the kernel adds the IPv4 header), and a whole received IPv4 datagram (raw
// sockets deliver the header too) back to an Advert with the IP facts that
// validate() needs. Pure: bytes in, values out.
//
// VRRPv3 (RFC 5798 5.1):           VRRPv2 (RFC 3768 5.1):
//   0x31 vrid prio count             0x21 vrid prio count
//   rsvd:4 max-adver-int:12 (cs)     auth-type(0) adver-int (s)
//   checksum                         checksum
//   count x IPv4 address             count x IPv4 address, 8 bytes auth data (0)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "vrrp/codec/advert.hpp"
#include "vrrp/codec/errc.hpp"

namespace tandem::vrrp {

inline constexpr std::size_t kVrrpHeaderSize = 8;
inline constexpr std::size_t kV2AuthDataSize = 8;

// The VRRP message for `advert`, checksummed. `source` and `destination` are
// the IPv4 addresses the packet will carry; a VRRPv3 checksum covers them in
// the pseudo_header and accept_either modes. Fails with errc::bad_vrid,
// bad_address_count, not_encodable_ipv4 or bad_interval.
Result<std::vector<std::uint8_t>> encode(const Advert& advert, const IpAddress& source,
                                         const IpAddress& destination, ChecksumMode mode);

struct Received {
  IpAddress source;
  IpAddress destination;
  std::uint8_t ttl = 0;
  Advert advert;
  bool pseudo_header_checksum = false;   // which checksum verified (always false for v2)
};

// Parses one IPv4 datagram carrying a VRRP message of version `expected`.
// The IPv4 header checksum is not verified: the kernel drops a datagram whose
// header checksum is wrong before any raw socket sees it. Fails with the
// packet errc codes (truncated .. bad_auth); never reads beyond `datagram`.
Result<Received> decode_ipv4(std::span<const std::uint8_t> datagram, Version expected, ChecksumMode mode);

// The VRID of a received IPv4 datagram, read without decoding it, so a
// receiver can pick the instance (and its version and checksum mode) that
// decodes it. 0, which no instance uses, when the datagram is too short.
std::uint8_t peek_vrid(std::span<const std::uint8_t> datagram) noexcept;

// The Internet checksum (RFC 1071) of `bytes` added to `initial`, a
// one's-complement partial sum (used for the pseudo-header). Exposed for tests.
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes, std::uint32_t initial = 0);

}  // namespace tandem::vrrp

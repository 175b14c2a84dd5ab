// Test support for the codec. Two advertisements keepalived 2.2.7 sent on a veth LAN (captured with
// tcpdump; bytes copied here so the tests do not depend on the capture files):
// source 10.99.0.2, destination 224.0.0.18, TTL 255, VRID 51, priority 150,
// one virtual address 10.99.0.100, interval 1 s, no authentication.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/ip_address.hpp"
#include "vrrp/codec/advert.hpp"

namespace tandem::vrrp::test {

// VRRPv3; the checksum 0x42ac covers the IPv4 pseudo-header.
inline constexpr std::array<std::uint8_t, 32> kKeepalivedV3{
    0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x35, 0x0a, 0x63, 0x00, 0x02,
    0xe0, 0x00, 0x00, 0x12,   // IPv4 header
    0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0x42, 0xac, 0x0a, 0x63, 0x00, 0x64};

// VRRPv2; the checksum 0x3e03 covers the VRRP message only.
inline constexpr std::array<std::uint8_t, 40> kKeepalivedV2{
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x2d, 0x0a, 0x63, 0x00, 0x02,
    0xe0, 0x00, 0x00, 0x12,   // IPv4 header
    0x21, 0x33, 0x96, 0x01, 0x00, 0x01, 0x3e, 0x03, 0x0a, 0x63, 0x00, 0x64,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

inline constexpr std::size_t kIpHeader = 20;

// An IPv4 header as the kernel would put in front of a VRRP `message`.
inline std::vector<std::uint8_t> with_ip_header(const std::vector<std::uint8_t>& message, const IpAddress& src,
                                                const IpAddress& dst, std::uint8_t ttl = kRequiredTtl) {
  std::vector<std::uint8_t> d{0x45, kIpTos, 0, 0, 0, 1, 0, 0, ttl, kIpProtocolVrrp, 0, 0};
  const std::size_t total = kIpHeader + message.size();
  d[2] = static_cast<std::uint8_t>(total >> 8);
  d[3] = static_cast<std::uint8_t>(total & 0xff);
  d.insert(d.end(), src.bytes().begin(), src.bytes().begin() + 4);
  d.insert(d.end(), dst.bytes().begin(), dst.bytes().begin() + 4);
  d.insert(d.end(), message.begin(), message.end());
  return d;
}

}  // namespace tandem::vrrp::test

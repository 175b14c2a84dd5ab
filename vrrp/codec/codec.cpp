// VRRP encode and decode. Offsets are those of RFC 5798 5.1 / RFC 3768 5.1;
// every read is bounds-checked against the received length first.
#include "vrrp/codec/codec.hpp"

#include <optional>

namespace tandem::vrrp {
namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::uint8_t kTypeAdvertisement = 1;
constexpr std::uint32_t kV3MaxCentiseconds = 0x0fff;
constexpr std::uint32_t kV2MaxSeconds = 0xff;

std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

IpAddress read_v4(std::span<const std::uint8_t> b, std::size_t at) {
  return IpAddress::v4({b[at], b[at + 1], b[at + 2], b[at + 3]});
}

// The pseudo-header of RFC 5798 5.2.8 (as in RFC 8200 8.1, for IPv4): source,
// destination, zero, protocol, VRRP length, as a partial one's-complement sum.
std::uint32_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination, std::size_t length) {
  std::uint32_t sum = 0;
  for (const IpAddress* a : {&source, &destination}) {
    const auto& b = a->bytes();
    sum += static_cast<std::uint32_t>(b[0] << 8 | b[1]) + static_cast<std::uint32_t>(b[2] << 8 | b[3]);
  }
  sum += kIpProtocolVrrp;
  sum += static_cast<std::uint32_t>(length);
  return sum;
}

bool covers_pseudo_header(Version v, ChecksumMode mode) {
  return v == Version::v3 && mode != ChecksumMode::no_pseudo_header;
}

// The interval as it goes on the wire, or nullopt if it cannot.
std::optional<std::uint32_t> wire_interval(Version v, Duration interval) {
  const auto ms = interval.count();
  if (v == Version::v3) {
    if (ms % 10 != 0 || ms < 10 || ms / 10 > kV3MaxCentiseconds) return std::nullopt;
    return static_cast<std::uint32_t>(ms / 10);
  }
  if (ms % 1000 != 0 || ms < 1000 || ms / 1000 > kV2MaxSeconds) return std::nullopt;
  return static_cast<std::uint32_t>(ms / 1000);
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes, std::uint32_t initial) {
  std::uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i] << 8);   // odd byte, zero-padded
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

Result<std::vector<std::uint8_t>> encode(const Advert& advert, const IpAddress& source,
                                         const IpAddress& destination, ChecksumMode mode) {
  if (advert.vrid == 0) return make_error_code(errc::bad_vrid);
  if (advert.addresses.empty() || advert.addresses.size() > 255) return make_error_code(errc::bad_address_count);
  if (!source.is_v4() || !destination.is_v4()) return make_error_code(errc::not_encodable_ipv4);
  for (const auto& a : advert.addresses)
    if (!a.is_v4()) return make_error_code(errc::not_encodable_ipv4);
  const auto interval = wire_interval(advert.version, advert.interval);
  if (!interval) return make_error_code(errc::bad_interval);

  const bool v3 = advert.version == Version::v3;
  std::vector<std::uint8_t> out;
  out.reserve(kVrrpHeaderSize + 4 * advert.addresses.size() + (v3 ? 0 : kV2AuthDataSize));
  out.push_back(static_cast<std::uint8_t>(static_cast<std::uint8_t>(advert.version) << 4 | kTypeAdvertisement));
  out.push_back(advert.vrid);
  out.push_back(advert.priority);
  out.push_back(static_cast<std::uint8_t>(advert.addresses.size()));
  if (v3) {
    out.push_back(static_cast<std::uint8_t>(*interval >> 8));   // the 4 reserved bits stay 0
    out.push_back(static_cast<std::uint8_t>(*interval & 0xff));
  } else {
    out.push_back(0);   // authentication type 0: none (RFC 3768 5.3.6)
    out.push_back(static_cast<std::uint8_t>(*interval));
  }
  out.push_back(0);   // checksum, filled in below
  out.push_back(0);
  for (const auto& a : advert.addresses) out.insert(out.end(), a.bytes().begin(), a.bytes().begin() + 4);
  if (!v3) out.insert(out.end(), kV2AuthDataSize, 0);

  const std::uint32_t initial =
      covers_pseudo_header(advert.version, mode) ? pseudo_header_sum(source, destination, out.size()) : 0;
  const std::uint16_t sum = internet_checksum(out, initial);
  out[6] = static_cast<std::uint8_t>(sum >> 8);
  out[7] = static_cast<std::uint8_t>(sum & 0xff);
  return out;
}

std::uint8_t peek_vrid(std::span<const std::uint8_t> datagram) noexcept {
  // RFC 5798 5.1 / RFC 3768 5.1: the VRID is the second octet of the VRRP
  // header, which follows the IPv4 header of IHL 32-bit words.
  if (datagram.empty()) return 0;
  const std::size_t header = std::size_t{datagram[0] & 0x0fu} * 4;
  return datagram.size() > header + 1 ? datagram[header + 1] : 0;
}

Result<Received> decode_ipv4(std::span<const std::uint8_t> datagram, Version expected, ChecksumMode mode) {
  if (datagram.size() < kIpv4MinHeader) return make_error_code(errc::truncated);
  if (datagram[0] >> 4 != 4) return make_error_code(errc::not_ipv4);
  const std::size_t header = std::size_t{datagram[0] & 0x0fu} * 4;
  const std::size_t total = read16(datagram, 2);
  if (header < kIpv4MinHeader || total < header) return make_error_code(errc::bad_ip_header);
  if (total > datagram.size()) return make_error_code(errc::truncated);
  if (datagram[9] != kIpProtocolVrrp) return make_error_code(errc::not_vrrp);

  Received r;
  r.ttl = datagram[8];
  r.source = read_v4(datagram, 12);
  r.destination = read_v4(datagram, 16);

  // Bytes after the IP total length (link padding) are not part of the message.
  const auto vrrp = datagram.subspan(header, total - header);
  if (vrrp.size() < kVrrpHeaderSize) return make_error_code(errc::truncated);
  const unsigned version = vrrp[0] >> 4;
  if (version != static_cast<unsigned>(expected)) return make_error_code(errc::wrong_version);
  if ((vrrp[0] & 0x0f) != kTypeAdvertisement) return make_error_code(errc::wrong_type);
  const std::size_t count = vrrp[3];
  if (count == 0) return make_error_code(errc::no_addresses);
  const std::size_t length = kVrrpHeaderSize + 4 * count + (expected == Version::v2 ? kV2AuthDataSize : 0);
  if (vrrp.size() < length) return make_error_code(errc::truncated);
  if (vrrp.size() > length) return make_error_code(errc::bad_length);

  // A correct checksum over data that includes it sums to zero.
  const bool try_pseudo = covers_pseudo_header(expected, mode);
  const bool try_plain = expected == Version::v2 || mode != ChecksumMode::pseudo_header;
  if (try_pseudo && internet_checksum(vrrp, pseudo_header_sum(r.source, r.destination, vrrp.size())) == 0) {
    r.pseudo_header_checksum = true;
  } else if (!(try_plain && internet_checksum(vrrp) == 0)) {
    return make_error_code(errc::bad_checksum);
  }

  Advert& a = r.advert;
  a.version = expected;
  a.vrid = vrrp[1];
  a.priority = vrrp[2];
  if (expected == Version::v3) {
    a.interval = Duration{10 * (read16(vrrp, 4) & kV3MaxCentiseconds)};   // reserved bits ignored (5.2.7)
  } else {
    if (vrrp[4] != 0) return make_error_code(errc::bad_auth);
    a.interval = Duration{1000 * std::uint32_t{vrrp[5]}};
  }
  if (a.interval == Duration{0}) return make_error_code(errc::zero_interval);
  a.addresses.reserve(count);
  for (std::size_t i = 0; i < count; ++i) a.addresses.push_back(read_v4(vrrp, kVrrpHeaderSize + 4 * i));
  return r;
}

}  // namespace tandem::vrrp

// IpAddress, Endpoint and Prefix: the address words every module uses.
// Pure values: parsing and formatting only, no sockets, no name resolution.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tandem {

enum class Family : std::uint8_t { v4, v6 };

// An IPv4 or IPv6 address. IPv4 keeps its 4 bytes in bytes()[0..3].
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(const std::array<std::uint8_t, 16>& b);

  // Parses dotted IPv4 or RFC 4291 IPv6 text (no brackets, no zone).
  // Returns nullopt on anything else.
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::v4; }
  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
  // Host-order value of an IPv4 address; 0 for IPv6.
  std::uint32_t v4_value() const noexcept;
  bool is_unspecified() const noexcept;
  bool is_multicast() const noexcept;
  // Bits beyond the first `length` bits cleared.
  IpAddress masked(unsigned length) const noexcept;
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

// An address and port: "192.0.2.1:80" or "[2001:db8::1]:80".
struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // Parses "A.B.C.D:PORT" or "[V6]:PORT". With `port_optional`, also a bare
  // address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]"), port 0.
  // Returns nullopt for malformed text or a port above 65535.
  static std::optional<Endpoint> parse(std::string_view text, bool port_optional = false);
  std::string to_string() const;

  auto operator<=>(const Endpoint&) const = default;
};

// An address with a prefix length: "192.0.2.100/24". A bare address means
// /32 (IPv4) or /128 (IPv6).
struct Prefix {
  IpAddress address;
  std::uint8_t length = 32;

  static std::optional<Prefix> parse(std::string_view text);
  std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;
};

}  // namespace tandem

template <>
struct fmt::formatter<tandem::IpAddress> : fmt::formatter<std::string_view> {
  auto format(const tandem::IpAddress& a, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
  }
};
template <>
struct fmt::formatter<tandem::Endpoint> : fmt::formatter<std::string_view> {
  auto format(const tandem::Endpoint& e, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(e.to_string(), ctx);
  }
};
template <>
struct fmt::formatter<tandem::Prefix> : fmt::formatter<std::string_view> {
  auto format(const tandem::Prefix& p, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
  }
};

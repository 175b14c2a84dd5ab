// Parsing and formatting of IpAddress, Endpoint and Prefix with inet_pton /
// inet_ntop, which only convert text (no I/O).
#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace tandem {

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  a.family_ = Family::v4;
  std::memcpy(a.bytes_.data(), b.data(), 4);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) {
  IpAddress a;
  a.family_ = Family::v6;
  a.bytes_ = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::v4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::v6;
    return a;
  }
  return std::nullopt;
}

std::uint32_t IpAddress::v4_value() const noexcept {
  if (!is_v4()) return 0;
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

bool IpAddress::is_unspecified() const noexcept {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::is_multicast() const noexcept {
  return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

IpAddress IpAddress::masked(unsigned length) const noexcept {
  IpAddress out = *this;
  const unsigned total = static_cast<unsigned>(size()) * 8;
  for (unsigned bit = length; bit < total; ++bit)
    out.bytes_[bit / 8] = static_cast<std::uint8_t>(out.bytes_[bit / 8] & ~(0x80u >> (bit % 8)));
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text, bool port_optional) {
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      has_port = true;
    }
    auto addr = IpAddress::parse(host);
    if (!addr || addr->is_v4()) return std::nullopt;
  } else {
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') == colon) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      has_port = true;
    } else {
      host = text;  // bare IPv4, or bare IPv6 (several colons)
    }
  }
  auto addr = IpAddress::parse(host);
  if (!addr) return std::nullopt;
  if (!has_port) {
    if (!port_optional) return std::nullopt;
    return Endpoint{*addr, 0};
  }
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  return Endpoint{*addr, *p};
}

std::string Endpoint::to_string() const {
  if (address.is_v4()) return address.to_string() + ":" + std::to_string(port);
  return "[" + address.to_string() + "]:" + std::to_string(port);
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max = addr->is_v4() ? 32 : 128;
  if (slash == std::string_view::npos) return Prefix{*addr, static_cast<std::uint8_t>(max)};
  const auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() || len > max)
    return std::nullopt;
  return Prefix{*addr, static_cast<std::uint8_t>(len)};
}

std::string Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

}  // namespace tandem

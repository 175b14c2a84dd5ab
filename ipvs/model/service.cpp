// Construction and text forms of the IPVS model values.
#include "ipvs/model/service.hpp"

namespace tandem::ipvs {

ServiceKey ServiceKey::by_address(Protocol protocol, const Endpoint& endpoint) {
  ServiceKey k;
  k.family_ = endpoint.address.family();
  k.protocol_ = protocol;
  k.address_ = endpoint.address;
  k.port_ = endpoint.port;
  return k;
}

ServiceKey ServiceKey::by_fwmark(Family family, std::uint32_t fwmark) {
  ServiceKey k;
  k.family_ = family;
  k.fwmark_ = fwmark;
  // An all-zero address of the right family, so two fwmark keys differ only
  // by family and mark.
  k.address_ = family == Family::v4 ? IpAddress::v4({}) : IpAddress::v6({});
  return k;
}

std::string ServiceKey::to_string() const {
  if (is_fwmark()) {
    return fmt::format("fwmark {}/{}", fwmark_, family_ == Family::v4 ? "ipv4" : "ipv6");
  }
  return fmt::format("{}/{}", Endpoint{address_, port_}, tandem::to_string(protocol_));
}

std::string_view to_string(Forwarding f) {
  switch (f) {
    case Forwarding::masq: return "masq";
    case Forwarding::local: return "local";
    case Forwarding::tunnel: return "tunnel";
    case Forwarding::route: return "route";
  }
  return "?";
}

std::string_view to_string(TunnelType t) {
  switch (t) {
    case TunnelType::ipip: return "ipip";
    case TunnelType::gue: return "gue";
    case TunnelType::gre: return "gre";
  }
  return "?";
}

std::size_t Table::destination_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, service] : services) n += service.destinations.size();
  return n;
}

}  // namespace tandem::ipvs

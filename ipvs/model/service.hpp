// The IPVS table as values: virtual services, their destinations and the whole
// table, in the kernel's own words (service, destination, fwmark, forwarding
// method, thresholds). Pure: no sockets, no libnl, no clocks.
//
// Equality is on identity and configuration only. Counters (Stats) ride along
// with a dumped table but never take part in ==, so a freshly dumped table
// compares equal to the desired one whenever the configuration matches. The
// kernel's HASHED service flag is not represented at all: the codec drops it on
// parse, because the kernel reports it on every service.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include <fmt/format.h>

#include "common/ip_address.hpp"
#include "common/protocol.hpp"

namespace tandem::ipvs {

// What identifies a virtual service in the kernel: family plus either a
// firewall mark or protocol/address/port. Built only through the two factories,
// which zero the fields the other kind does not use, so == is exact.
class ServiceKey {
 public:
  ServiceKey() = default;
  static ServiceKey by_address(Protocol protocol, const Endpoint& endpoint);
  static ServiceKey by_fwmark(Family family, std::uint32_t fwmark);

  Family family() const noexcept { return family_; }
  bool is_fwmark() const noexcept { return fwmark_ != 0; }
  std::uint32_t fwmark() const noexcept { return fwmark_; }
  Protocol protocol() const noexcept { return protocol_; }
  const IpAddress& address() const noexcept { return address_; }
  std::uint16_t port() const noexcept { return port_; }

  // "192.0.2.1:80/tcp", "[2001:db8::1]:443/tcp", "fwmark 7/ipv4".
  std::string to_string() const;

  auto operator<=>(const ServiceKey&) const = default;

 private:
  Family family_ = Family::v4;
  std::uint32_t fwmark_ = 0;
  Protocol protocol_ = Protocol::tcp;
  IpAddress address_;
  std::uint16_t port_ = 0;
};

// Counters the kernel keeps per service and per destination (IPVS_STATS_ATTR_*
// as 64-bit values). Never compared: they are observations, not configuration.
struct Stats {
  std::uint64_t connections = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t connections_per_s = 0;
  std::uint64_t packets_in_per_s = 0;
  std::uint64_t packets_out_per_s = 0;
  std::uint64_t bytes_in_per_s = 0;
  std::uint64_t bytes_out_per_s = 0;
};

// How packets reach a destination (IP_VS_CONN_F_MASQ/LOCALNODE/TUNNEL/DROUTE).
enum class Forwarding : std::uint8_t { masq, local, tunnel, route };
std::string_view to_string(Forwarding f);

// Encapsulation of tunnel-forwarded packets (IP_VS_CONN_F_TUNNEL_TYPE_*).
enum class TunnelType : std::uint8_t { ipip, gue, gre };
std::string_view to_string(TunnelType t);

// The settable part of a destination: a destination update always carries all
// of it (forwarding method, weight and both thresholds), as the kernel wants.
struct DestinationConfig {
  Forwarding forwarding = Forwarding::masq;
  std::uint32_t weight = 1;           // 0 quiesces: no new connections
  std::uint32_t upper_threshold = 0;  // 0: no limit
  std::uint32_t lower_threshold = 0;
  // Only meaningful with Forwarding::tunnel; the kernel keeps them for others too.
  TunnelType tunnel_type = TunnelType::ipip;
  std::uint16_t tunnel_port = 0;      // GUE only
  std::uint16_t tunnel_flags = 0;     // IP_VS_TUNNEL_ENCAP_FLAG_*

  bool operator==(const DestinationConfig&) const = default;
};

struct Destination {
  Endpoint address;                   // its family may differ from the service's (tunnel)
  DestinationConfig config;
  // Observations from a dump; ignored by ==.
  Stats stats;
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::uint32_t persistent_connections = 0;

  bool operator==(const Destination& o) const noexcept {
    return address == o.address && config == o.config;
  }
};

// The settable part of a service: a full service entry always carries all of
// it (scheduler, flags, timeout and netmask).
struct ServiceConfig {
  std::string scheduler = "wlc";
  bool persistent = false;              // IP_VS_SVC_F_PERSISTENT
  std::uint32_t persistence_timeout_s = 0;
  // Persistence granularity as a prefix length. Kernel form: IPv4 a mask
  // (255.255.255.255 for 32), IPv6 a prefix length; the codec converts.
  std::uint8_t netmask_prefix = 32;
  bool one_packet = false;              // IP_VS_SVC_F_ONEPACKET (UDP: schedule every datagram)
  bool sched_flag1 = false;             // IP_VS_SVC_F_SCHED1 (sh: fallback)
  bool sched_flag2 = false;             // IP_VS_SVC_F_SCHED2 (sh: hash port too)
  bool sched_flag3 = false;             // IP_VS_SVC_F_SCHED3
  std::string persistence_engine;       // "sip" or empty

  bool operator==(const ServiceConfig&) const = default;
};

// The default netmask prefix of a family: 32 for IPv4, 128 for IPv6 (one
// client address per persistence entry), the values ipvsadm uses.
constexpr std::uint8_t default_netmask_prefix(Family f) { return f == Family::v4 ? 32 : 128; }

struct Service {
  ServiceKey key;
  ServiceConfig config;
  std::map<Endpoint, Destination> destinations;   // keyed by Destination::address
  Stats stats;                                    // ignored by ==

  // Adds or replaces `d` under its address; O(1) when added in address order
  // (as the kernel returns destinations tandem added).
  void put(const Destination& d) { destinations.insert_or_assign(destinations.end(), d.address, d); }

  bool operator==(const Service& o) const noexcept {
    return key == o.key && config == o.config && destinations == o.destinations;
  }
};

// A whole IPVS table (or the part of one tandem wants), keyed by ServiceKey.
struct Table {
  std::map<ServiceKey, Service> services;

  // Adds or replaces `s` under its key.
  void put(const Service& s) { services.insert_or_assign(services.end(), s.key, s); }
  std::size_t destination_count() const noexcept;

  bool operator==(const Table&) const = default;
};

}  // namespace tandem::ipvs

template <>
struct fmt::formatter<tandem::ipvs::ServiceKey> : fmt::formatter<std::string_view> {
  auto format(const tandem::ipvs::ServiceKey& k, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(k.to_string(), ctx);
  }
};

// IPVS settings outside the service table: version and connection table size,
// protocol timeouts, and the connection synchronisation daemon. Pure values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/ip_address.hpp"

namespace tandem::ipvs {

struct Info {
  std::uint32_t version = 0;                  // e.g. 0x010201 for 1.2.1
  std::uint32_t connection_table_size = 0;    // buckets of the connection hash table

  // "1.2.1".
  std::string version_text() const;
  bool operator==(const Info&) const = default;
};

// Connection timeouts in seconds; 0 in a set request means "leave unchanged".
struct Timeouts {
  std::uint32_t tcp_s = 0;
  std::uint32_t tcp_fin_s = 0;
  std::uint32_t udp_s = 0;
  bool operator==(const Timeouts&) const = default;
};

// The kernel's connection synchronisation daemon, which copies connection
// entries from the active director to the standby so failover keeps them.
struct SyncDaemon {
  enum class Role : std::uint8_t { master, backup };
  Role role = Role::master;
  std::string interface;                      // multicast interface name
  std::uint32_t sync_id = 0;
  std::uint16_t max_payload = 0;              // 0: kernel default (from the MTU)
  std::optional<IpAddress> group;             // unset: 224.0.0.81
  std::uint16_t port = 0;                     // 0: kernel default 8848
  std::uint8_t ttl = 0;                       // 0: kernel default 1
  bool operator==(const SyncDaemon&) const = default;
};

}  // namespace tandem::ipvs

// The independent observer of the kernel's IPVS table: runs `ipvsadm` and
// parses its listings into plain structures, so kernel tests can check what
// tandem's own client wrote without trusting tandem's own dump.
//
// Addresses stay as ipvsadm prints them ("10.0.0.1:80", "[2001:db8::1]:80", a
// fwmark number), so a test compares against literals rather than against
// tandem's formatting code.
//
// Test support only: a listing that does not parse throws std::runtime_error
// naming the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::kernel_test {

struct ObservedStats {
  std::uint64_t conns = 0;
  std::uint64_t in_packets = 0;
  std::uint64_t out_packets = 0;
  std::uint64_t in_bytes = 0;
  std::uint64_t out_bytes = 0;
};

struct ObservedDestination {
  std::string address;        // "10.0.1.2:8080", "[2001:db8::2]:80"
  std::string forward;        // "Masq", "Route", "Tunnel", "Local"
  std::int64_t weight = 0;
  std::uint64_t active = 0;
  std::uint64_t inactive = 0;
  std::uint64_t upper_threshold = 0;  // from --thresholds
  std::uint64_t lower_threshold = 0;
  ObservedStats stats;                // from --stats --exact
};

struct ObservedService {
  std::string protocol;               // "TCP", "UDP", "SCTP", "FWM"
  std::string address;                // "10.0.0.1:80", "[2001:db8::1]:80", or the mark "7"
  std::string scheduler;              // "wrr", ...
  std::optional<std::uint32_t> persistent;  // seconds, when persistent
  std::string mask;                   // "255.255.255.0" or "64"; empty when the full mask
  std::string pe;                     // persistence engine name, when any
  std::vector<std::string> flags;     // other words: "ops", "sh-fallback", ...
  ObservedStats stats;
  std::vector<ObservedDestination> destinations;

  // Returns the destination with this address, or nullptr.
  const ObservedDestination* find(std::string_view dest_address) const;
};

struct ObservedTable {
  std::vector<ObservedService> services;

  // Returns the service with this protocol and address, or nullptr.
  const ObservedService* find(std::string_view protocol, std::string_view address) const;
  std::size_t destination_count() const;
};

// Parses the output of `ipvsadm -Ln` (services, schedulers, flags,
// destinations with forward, weight, active and inactive connections).
ObservedTable parse_ipvsadm_list(std::string_view text);

// Adds to `table` what `ipvsadm -Ln --thresholds` prints (upper and lower
// connection thresholds per destination). Lines of services not in `table`
// are an error.
void merge_ipvsadm_thresholds(ObservedTable& table, std::string_view text);

// Adds to `table` what `ipvsadm -Ln --stats --exact` prints.
void merge_ipvsadm_stats(ObservedTable& table, std::string_view text);

// Runs `ipvsadm -Ln`, `-Ln --thresholds` and `-Ln --stats --exact` in the
// calling thread's network namespace and returns the merged table.
ObservedTable observe_ipvs();

}  // namespace tandem::kernel_test

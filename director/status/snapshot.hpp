// Snapshot: what the running director knows, as plain values, for `tandem
// status`, the JSON status and the Prometheus metrics. The daemon fills one on
// request; the renderers (status_text, status_json, metrics_text) are pure
// functions of it, so they are tested without a daemon.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tandem::director {

using WallTime = std::chrono::system_clock::time_point;

// Durations of one check's probes, as Prometheus histogram buckets (seconds).
inline constexpr std::array<double, 10> kProbeBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
struct Histogram {
  std::array<std::uint64_t, kProbeBuckets.size()> buckets{};  // cumulative counts per upper bound
  std::uint64_t count = 0;
  double sum_seconds = 0;

  void observe(double seconds) noexcept {
    for (std::size_t i = 0; i < kProbeBuckets.size(); ++i)
      if (seconds <= kProbeBuckets[i]) ++buckets[i];
    ++count;
    sum_seconds += seconds;
  }
};

struct CheckStatus {
  std::string label;            // "http GET /healthz"
  std::string kind;             // tcp | http | https | exec
  bool up = false;
  std::string last_reason;      // reason of the last probe
  Histogram durations;
};

struct TransitionCount {
  std::string reason_class;     // low-cardinality class of the reason, for metrics
  std::string to;               // "up" or "down"
  std::uint64_t count = 0;
};

struct RealStatus {
  std::string address;          // "10.0.1.11:8080"
  std::string health;           // up | down | unknown
  std::string reason;           // reason of the last transition ("" before any)
  std::optional<WallTime> since;
  std::uint32_t configured_weight = 0;
  std::uint32_t desired_weight = 0;             // what the policy wants now
  std::optional<std::uint32_t> kernel_weight;   // what IPVS has (nullopt: not in IPVS)
  bool drained = false;
  std::optional<std::uint32_t> manual_weight;
  bool removing = false;                        // draining before removal
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::vector<CheckStatus> checks;
  std::vector<TransitionCount> transitions;
};

struct ServiceStatus {
  std::string name;
  std::string key;              // "192.0.2.100:80/tcp" or "fwmark 7/ipv4"
  std::string scheduler;
  std::uint64_t healthy = 0;    // count or weight, per quorum_by
  std::uint32_t quorum = 0;
  std::string quorum_by;        // count | weight
  bool quorum_met = true;
  bool sorry_active = false;
  std::vector<RealStatus> reals;
};

struct VrrpStatus {
  std::string name;
  std::string interface;
  unsigned vrid = 0;
  std::string state;            // init | backup | master | fault
  unsigned priority = 0;
  unsigned effective_priority = 0;
  std::optional<WallTime> since;
  std::uint64_t adverts_sent = 0;
  std::uint64_t adverts_received = 0;
  std::vector<std::pair<std::string, std::uint64_t>> invalid_by_reason;
};

struct ReconcileStatus {
  std::optional<WallTime> at;
  std::uint64_t ops_applied = 0;      // in the last reconcile
  std::uint64_t failures = 0;         // in the last reconcile
  std::uint64_t total_writes = 0;     // netlink writes since start
  std::string last_error;             // "" when the last reconcile succeeded
};

// How late the event loop ran its periodic timer (see LoopWatch).
struct LoopStatus {
  std::chrono::milliseconds max_lag{0};  // the largest lag since start
  std::uint64_t stalls = 0;              // lags of 200 ms or more
};

struct Snapshot {
  std::string director;
  std::string version;
  std::string config_file;
  std::optional<WallTime> config_loaded_at;
  std::vector<std::string> reload_errors;   // of the last failed reload; empty if it succeeded
  std::optional<WallTime> last_reload_attempt;
  ReconcileStatus reconcile;
  LoopStatus loop;
  std::vector<ServiceStatus> services;
  std::vector<VrrpStatus> vrrp;
};

}  // namespace tandem::director

// Health -> weight: the pure policy that decides, for one virtual service at
// time `now`, which real servers are in IPVS and with what weight, whether the
// service has its quorum, and whether the sorry server is in.
//
// Pure: no clocks, no I/O. The daemon gathers the inputs (check verdicts,
// manual overrides, kernel connection counts), calls evaluate(), hands the
// weights to director/desired, and arms a timer for `next_change`.
//
// Truth table for one real server (first matching row wins):
//
//   being removed (reload or on_failure=remove while down):
//       connections > 0 and drain_timeout not passed -> present, weight 0
//       otherwise                                     -> absent
//   manual drain                                      -> present, weight 0
//   health unknown (no verdict yet) and adopted weight -> present, adopted weight
//   health down                                        -> present, weight 0 (quiesce)
//   health up / unknown without adoption:
//       manual weight N                                -> N
//       within slow_start of coming up                 -> ramp (see slow_start_weight)
//       otherwise                                      -> configured weight
//
// "Unknown" counts as down for quorum unless the server's initial state is up,
// which the check tracker already reports as health up.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "common/duration.hpp"
#include "conf/config.hpp"

namespace tandem::director::policy {

enum class Health : std::uint8_t { unknown, up, down };

struct RealInput {
  std::uint32_t configured_weight = 1;
  conf::OnFailure on_failure = conf::OnFailure::quiesce;
  Health health = Health::unknown;
  std::optional<TimePoint> up_since;              // when health last became up
  std::optional<std::uint32_t> adopted_weight;    // kernel weight found at start-up
  bool drained = false;                           // manual drain
  std::optional<std::uint32_t> manual_weight;     // manual set-weight
  std::optional<TimePoint> removal_started;       // removed from the config at this time
  std::optional<TimePoint> down_since;            // for on_failure = remove
  std::uint64_t connections = 0;                  // active + inactive, from the kernel
};

struct ServiceInput {
  Duration slow_start{0};
  Duration drain_timeout{0};
  std::uint32_t quorum = 1;
  conf::QuorumBy quorum_by = conf::QuorumBy::count;
  bool has_sorry_server = false;
};

struct RealOutcome {
  bool present = true;           // false: delete from IPVS (or do not add)
  std::uint32_t weight = 0;
  bool counts_for_quorum = false;
  auto operator<=>(const RealOutcome&) const = default;
};

struct ServiceOutcome {
  std::vector<RealOutcome> reals;           // same order as the inputs
  bool quorum_met = true;
  bool sorry_server_present = false;
  std::uint64_t healthy = 0;                // count or weight, per quorum_by
  std::optional<TimePoint> next_change;     // evaluate again then (slow start step, drain timeout)
};

// The weight of a server that came up at `up_since`, ramping over `slow_start`
// in steps of 1/kSlowStartSteps of the full weight, never below 1.
inline constexpr int kSlowStartSteps = 20;
std::uint32_t slow_start_weight(std::uint32_t full, Duration slow_start, TimePoint up_since, TimePoint now);

// Evaluates one service. Never fails.
ServiceOutcome evaluate(const ServiceInput& service, const std::vector<RealInput>& reals, TimePoint now);

}  // namespace tandem::director::policy

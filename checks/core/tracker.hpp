// HealthTracker: rise/fall hysteresis of one check, and the interval to wait
// before its next run (HAProxy's inter/fastinter/downinter).
// Pure: no sockets, no clocks; time arrives as an argument.
//
//   state  | result  | effect
//   -------+---------+-------------------------------------------------------
//   down   | success | successes += 1; at `rise` -> up (transition), counters 0
//   down   | failure | successes = 0
//   up     | failure | failures += 1; at `fall` -> down (transition), counters 0
//   up     | success | failures = 0
//
// Unlike keepalived's real-server checkers (where one success brings a server
// back), `rise` applies, so a flapping server stays down until it has passed
// `rise` times in a row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "checks/core/check_definition.hpp"
#include "checks/core/clock.hpp"
#include "checks/core/probe_result.hpp"

namespace tandem::checks {

// A change of state of one check (or, in ServerHealth, of one real server).
struct Transition {
  Health from = Health::down;
  Health to = Health::down;
  TimePoint at{};
  std::string reason;  // the result that caused it
};

class HealthTracker {
 public:
  // rise and fall below 1 are treated as 1.
  HealthTracker(std::uint32_t rise, std::uint32_t fall, Health initial) noexcept;

  // Feeds one probe result observed at `now`; returns the transition if the
  // state changed. Never fails.
  std::optional<Transition> on_result(const ProbeResult& r, TimePoint now);

  Health health() const noexcept { return health_; }
  // True while successes are accumulating towards `rise` or failures towards `fall`.
  bool changing() const noexcept { return successes_ > 0 || failures_ > 0; }
  bool has_result() const noexcept { return results_ > 0; }
  std::uint64_t results() const noexcept { return results_; }

  // The wait before the next run: fast_interval while changing, down_interval
  // while steadily down (only after a first result, so a server starting down
  // is not checked late), interval otherwise.
  Duration next_interval(const CheckDefinition& d) const noexcept;

 private:
  std::uint32_t rise_;
  std::uint32_t fall_;
  Health health_;
  std::uint32_t successes_ = 0;  // consecutive, while down
  std::uint32_t failures_ = 0;   // consecutive, while up
  std::uint64_t results_ = 0;
  // No last reason is kept here: the transition carries it, and the director
  // keeps each check's last result for its status (a string per check
  // instance, ten thousand of them, for nobody).
};

}  // namespace tandem::checks

// Internals of the Daemon shared by its source files (daemon.cpp: start,
// configuration, health, shutdown; daemon_reconcile.cpp: the reconcile passes;
// daemon_control.cpp: control requests, manual overrides, status). Not for
// anyone else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "director/daemon/daemon.hpp"

namespace tandem::director {

// What one reconcile pass did in the kernel, handed from the IPVS worker
// thread back to the loop.
struct IpvsPass {
  std::string read_error;                 // the table could not be read: nothing was applied
  ipvs::Table actual;                     // as read, with the accepted operations applied
  std::vector<ipvs::Op> ops;
  ipvs::ApplyReport report;
  ipvs::OwnedSet owned;                   // what tandem owns afterwards
  std::vector<std::string> state_errors;  // the owned-set file could not be written
  std::uint64_t writes_sent = 0;          // netlink writes since start
  Duration read_time{0};
};

// What the daemon knows about one real server of one service.
struct Daemon::RealEntry {
  checks::ServerId id = 0;
  conf::RealServer config;
  std::vector<checks::CheckDefinition> checks;
  policy::Health health = policy::Health::unknown;
  std::string reason;
  std::optional<WallTime> since;
  std::optional<TimePoint> up_since;
  std::optional<TimePoint> down_since;
  std::map<std::pair<std::string, std::string>, std::uint64_t> transitions;  // (class, to) -> count
  std::vector<CheckStatus> check_status;
  std::vector<std::uint32_t> runs;  // probe results per check since added (saturating)
  bool checks_running = true;       // false when the runner refused them

  // Enough evidence to judge this server: up, or `rise` results of each check.
  bool has_verdict() const {
    if (health == policy::Health::up || !checks_running) return true;
    for (std::size_t i = 0; i < checks.size(); ++i)
      if (runs[i] < checks[i].rise) return false;
    return true;
  }
};

inline long long ms_between(TimePoint from, TimePoint to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

inline std::string path_in(const std::string& dir, const char* name) { return dir + "/" + name; }

}  // namespace tandem::director

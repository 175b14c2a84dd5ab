// ProbeResult: the outcome of one run of one probe, with the reason a human
// reads in the log ("connect refused", "HTTP 503 (expected 200)"). Pure value.
#pragma once

#include <string>

#include "checks/core/clock.hpp"

namespace tandem::checks {

struct ProbeResult {
  bool ok = false;
  std::string reason;  // always set: why it failed, or what succeeded ("HTTP 200")
  std::string detail;  // for the log only: an exec program's output (capped)
  // When the verdict was reached, if the probe knows without reading the
  // clock itself (a TCP verdict carries the time of the EpollSet's look);
  // empty otherwise, and the runner reads the clock. A clock read is a
  // system call in some environments (user-mode-linux).
  TimePoint at{};

  static ProbeResult success(std::string why) { return {true, std::move(why), {}, {}}; }
  static ProbeResult failure(std::string why) { return {false, std::move(why), {}, {}}; }
  ProbeResult&& seen_at(TimePoint t) && {
    at = t;
    return std::move(*this);
  }
};

}  // namespace tandem::checks

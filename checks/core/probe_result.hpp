// ProbeResult: the outcome of one run of one probe, with the reason a human
// reads in the log ("connect refused", "HTTP 503 (expected 200)"). Pure value.
#pragma once

#include <string>

namespace tandem::checks {

struct ProbeResult {
  bool ok = false;
  std::string reason;  // always set: why it failed, or what succeeded ("HTTP 200")
  std::string detail;  // for the log only: an exec program's output (capped)

  static ProbeResult success(std::string why) { return {true, std::move(why), {}}; }
  static ProbeResult failure(std::string why) { return {false, std::move(why), {}}; }
};

}  // namespace tandem::checks

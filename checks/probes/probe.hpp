// Probe: one run of one health check against one real server.
// Every probe runs on the io_context it was built with, never blocks it, and
// owns its sockets, timers and children for the duration of the run.
#pragma once

#include <functional>

#include "checks/core/clock.hpp"
#include "checks/core/probe_result.hpp"

namespace tandem::checks {

using ProbeDone = std::function<void(ProbeResult)>;

class Probe {
 public:
  virtual ~Probe() = default;
  // Starts the run at `now` (its timeout counts from there; the runner passes
  // the time it read once for a whole batch of due checks, because a clock
  // read is a system call in some environments). `done` is called exactly
  // once, from the io_context (never from inside start()), with the verdict
  // and its reason; a probe enforces its own timeout. Exceptions thrown by
  // `done` are swallowed so one probe cannot stop the loop. Call start() once
  // per object.
  void start(TimePoint now, ProbeDone done) { run(now, std::move(done)); }
  void start(ProbeDone done) { run(Clock::now(), std::move(done)); }
  // Stops the run early, releasing sockets and killing children; `done` still
  // runs once, with reason "cancelled" if no verdict was reached. Idempotent.
  virtual void cancel() = 0;

 private:
  virtual void run(TimePoint now, ProbeDone done) = 0;
};

}  // namespace tandem::checks

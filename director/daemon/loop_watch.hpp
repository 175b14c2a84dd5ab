// LoopWatch: how late the event loop runs a periodic timer, which is how long
// something held the loop. VRRP adverts, probe deadlines and the systemd
// watchdog all ride on the one loop, so a stall is worth knowing about: a lag
// past `warn_after` is logged (at most once a second) and counted, and the
// largest lag seen is kept for the metrics.
#pragma once

#include <cstdint>

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/duration.hpp"
#include "director/status/snapshot.hpp"

namespace tandem::director {

class LoopWatch {
 public:
  explicit LoopWatch(asio::io_context& io, Duration period = Duration{50}, Duration warn_after = Duration{200});
  void start();
  void stop();
  LoopStatus status() const { return status_; }

 private:
  void arm(TimePoint due);

  asio::steady_timer timer_;
  Duration period_;
  Duration warn_after_;
  LoopStatus status_;
  TimePoint last_warning_{};
  Duration cpu_at_last_tick_{0};
};

}  // namespace tandem::director

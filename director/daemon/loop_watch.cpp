// The event loop's lag; see loop_watch.hpp.
#include "director/daemon/loop_watch.hpp"

#include <time.h>

#include <spdlog/spdlog.h>

namespace tandem::director {

namespace {

// CPU time the calling thread (the loop's) has used.
Duration thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::duration_cast<Duration>(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

LoopWatch::LoopWatch(asio::io_context& io, Duration period, Duration warn_after)
    : timer_(io), period_(period), warn_after_(warn_after) {}

void LoopWatch::start() {
  cpu_at_last_tick_ = thread_cpu_time();
  arm(Clock::now() + period_);
}

void LoopWatch::stop() { timer_.cancel(); }

void LoopWatch::arm(TimePoint due) {
  timer_.expires_at(due);
  timer_.async_wait([this, due](const boost::system::error_code& ec) {
    if (ec) return;
    const TimePoint now = Clock::now();
    const auto lag = std::chrono::duration_cast<Duration>(now - due);
    const Duration cpu = thread_cpu_time();
    const Duration busy = cpu - cpu_at_last_tick_;  // the loop's own work since the last tick
    cpu_at_last_tick_ = cpu;
    if (lag > status_.max_lag) status_.max_lag = lag;
    if (lag >= warn_after_) {
      ++status_.stalls;
      if (now - last_warning_ >= std::chrono::seconds(1)) {
        last_warning_ = now;
        // Busy: tandem's own work held the loop. Idle: the machine did not
        // run tandem (CPU starvation, a stopped VM, a slow kernel call).
        spdlog::warn("the event loop was held for {} ms, {} ms of it running on its CPU (VRRP adverts and checks "
                     "waited); {} such stall(s) so far",
                     lag.count(), busy.count(), status_.stalls);
      }
    }
    arm(now + period_);
  });
}

}  // namespace tandem::director

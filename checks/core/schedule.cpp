// Spread and drift-free next-due computation; see schedule.hpp.
#include "checks/core/schedule.hpp"

namespace tandem::checks {

Duration spread_offset(std::size_t index, std::size_t count, Duration interval) noexcept {
  if (count == 0 || interval.count() <= 0) return Duration{0};
  // 128-bit-free: interval in ms times index stays far below 2^63 for any
  // sane interval (< 100 years) and count (< 2^32).
  const auto ms = static_cast<unsigned long long>(interval.count());
  return Duration(static_cast<Duration::rep>(ms * (index % count) / count));
}

TimePoint next_due(TimePoint previous_due, Duration interval, TimePoint now) noexcept {
  if (interval.count() <= 0) interval = Duration(1);
  TimePoint next = previous_due + interval;
  if (next > now) return next;
  const auto behind = now - previous_due;
  const auto slots = behind / interval + 1;  // whole intervals passed, plus one
  return previous_due + slots * interval;
}

TimePoint quantize(TimePoint t, Duration quantum) noexcept {
  const auto q = std::chrono::duration_cast<Clock::duration>(quantum);
  if (q.count() <= 0) return t;
  const auto since = t.time_since_epoch();
  const auto rem = since % q;
  if (rem.count() == 0) return t;
  return t + (rem.count() > 0 ? q - rem : -rem);
}

}  // namespace tandem::checks

// Scheduling math of periodic checks. Pure: time arrives as an argument.
//
// Two rules keep 10,000 checks cheap and their verdicts on time:
// - start times are spread evenly over the interval, so checks do not fire in
//   one burst when the director starts;
// - the next run is due one interval after the previous *due* time, not after
//   the time the probe actually started or finished, so a probe that waited in
//   the concurrency queue or took its whole timeout does not push its later
//   runs back (no drift). Slots that have already passed are skipped, keeping
//   the phase.
#pragma once

#include <cstddef>

#include "checks/core/clock.hpp"
#include "common/duration.hpp"

namespace tandem::checks {

// The offset of check `index` of `count` checks sharing `interval`:
// interval * index / count. Returns 0 when count is 0 or interval not positive.
Duration spread_offset(std::size_t index, std::size_t count, Duration interval) noexcept;

// The first due time strictly after `now` of the series previous_due + k *
// interval (k >= 1). A non-positive interval is treated as 1 ms.
TimePoint next_due(TimePoint previous_due, Duration interval, TimePoint now) noexcept;

// `t` rounded up to the next multiple of `quantum` since the clock's epoch
// (t itself if it is one). Checks due in the same quantum then share one timer
// wake-up of the loop: at 1,000 checks a second with a 5 ms quantum, one
// wake-up (and one clock read and timer re-arm) serves five checks. A
// non-positive quantum returns t.
TimePoint quantize(TimePoint t, Duration quantum) noexcept;

// The grid of the checks' loop: due times are rounded up to it, and probe
// sockets are looked at on it (checks/probes/epoll_set.hpp), so one wake-up
// of the loop serves every check due and every connect finished in 5 ms. An
// interval that is not a multiple of it is in effect rounded up to one.
inline constexpr Duration kLoopQuantum = std::chrono::milliseconds(5);

}  // namespace tandem::checks

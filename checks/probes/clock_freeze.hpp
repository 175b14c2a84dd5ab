// ClockFreeze: while one is open on a thread, time stands still for that
// thread: each clock_gettime() of a wall or monotonic clock returns the first
// reading of that clock taken since the outermost ClockFreeze opened. CurlMulti
// opens one around every call into libcurl, most of them seeded with the time
// its caller already read (the loop's look at its sockets, the runner's slot),
// so that libcurl then reads no clock at all.
//
// Why: libcurl 7.88 reads the clock about 50 times per transfer (progress
// stamps, expiry checks, timeout arithmetic), whatever options it is given.
// With a vDSO that costs nothing, but where clock_gettime is a system call it
// dominates an HTTP check: inside user-mode-linux each read is a trap of about
// 26 us, 1.3 ms per check, more than keepalived's whole HTTP check (the same
// happens on hosts whose clocksource the vDSO cannot read, e.g. some VMs
// without a stable TSC). One call into libcurl lasts microseconds on a host
// (hundreds in UML); no timeout we use can see a clock that does not move
// inside it, and across calls it moves normally. (curl's CONNECT_TIME can: a
// connect completed inside one call took no time, see CurlMulti::Outcome.) A seed is at
// most one look of the loop old (milliseconds), which moves a curl timeout by
// as much, like every verdict the loop times at its looks. A seed never sets
// the thread's frozen monotonic clock back behind a reading it handed out
// before, so libcurl never sees time run backwards.
//
// How: tandem defines clock_gettime itself (clock_freeze.cpp). The dynamic
// linker binds every shared library's reference to the executable's
// definition before the C library's, as it does for an LD_PRELOAD interposer,
// so libcurl's reads (and libstdc++'s steady_clock) come to it; outside a
// freeze, or for CPU-time clocks, it forwards to the C library's
// clock_gettime (found with dlsym(RTLD_NEXT)), vDSO and all. The state is
// per thread: other threads never see a frozen clock.
#pragma once

#include "checks/core/clock.hpp"

namespace tandem::checks {

class ClockFreeze {
 public:
  // Frozen at the first reading of each clock inside the freeze.
  ClockFreeze() noexcept;
  // Frozen with the monotonic clock (Clock's) at `known`, a time read before,
  // or at the latest frozen reading this thread handed out if that is later;
  // other clocks as above. Inside an open freeze, `known` changes nothing; a
  // default TimePoint (no time known) freezes as the default constructor.
  explicit ClockFreeze(TimePoint known) noexcept;
  ~ClockFreeze();
  ClockFreeze(const ClockFreeze&) = delete;
  ClockFreeze& operator=(const ClockFreeze&) = delete;
};

}  // namespace tandem::checks

// ClockFreeze and the clock_gettime it needs; see clock_freeze.hpp.
#include "checks/probes/clock_freeze.hpp"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <type_traits>

namespace {

// The clocks a freeze holds still: the ones that tell the time. CPU-time
// clocks (and dynamic clock ids, which are negative) always pass through.
bool freezable(clockid_t id) {
  switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return true;
    default:
      return false;
  }
}

// One thread's freeze: how deep the scopes are nested, the readings taken
// since the outermost one opened (bit `id` of `taken` says reading[id] is
// set), and the latest monotonic reading any freeze handed out.
struct FreezeState {
  int depth = 0;
  std::uint32_t taken = 0;
  std::array<timespec, 8> reading{};
  timespec latest_monotonic{};
};
thread_local FreezeState freeze;

using ClockGettime = int (*)(clockid_t, timespec*);

int libc_clock_gettime(clockid_t id, timespec* ts) {
  // The next definition after ours in lookup order: the C library's (or an
  // LD_PRELOAD interposer's, which then forwards to it).
  static const auto next = reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
  if (next != nullptr) return next(id, ts);
  return static_cast<int>(::syscall(SYS_clock_gettime, id, ts));
}

}  // namespace

// The executable's clock_gettime, which every library's calls bind to. Default
// visibility so that it is exported whatever the build's visibility settings.
extern "C" __attribute__((visibility("default"))) int clock_gettime(clockid_t id, timespec* ts) noexcept {
  FreezeState& f = freeze;
  if (f.depth == 0 || !freezable(id)) return libc_clock_gettime(id, ts);
  const auto bit = std::uint32_t{1} << static_cast<unsigned>(id);
  if ((f.taken & bit) != 0) {
    *ts = f.reading[static_cast<std::size_t>(id)];
    return 0;
  }
  const int rc = libc_clock_gettime(id, ts);
  if (rc == 0) {
    f.reading[static_cast<std::size_t>(id)] = *ts;
    f.taken |= bit;
    if (id == CLOCK_MONOTONIC) f.latest_monotonic = *ts;
  }
  return rc;
}

namespace tandem::checks {

ClockFreeze::ClockFreeze() noexcept {
  if (freeze.depth++ == 0) freeze.taken = 0;
}

ClockFreeze::ClockFreeze(TimePoint known) noexcept {
  static_assert(std::is_same_v<Clock, std::chrono::steady_clock>, "Clock must read CLOCK_MONOTONIC");
  FreezeState& f = freeze;
  if (f.depth++ > 0) return;
  if (known == TimePoint{}) {  // no time known: as the default constructor
    f.taken = 0;
    return;
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(known.time_since_epoch()).count();
  timespec seed{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const timespec& latest = f.latest_monotonic;
  if (seed.tv_sec < latest.tv_sec || (seed.tv_sec == latest.tv_sec && seed.tv_nsec < latest.tv_nsec)) seed = latest;
  f.reading[CLOCK_MONOTONIC] = seed;
  f.latest_monotonic = seed;
  f.taken = std::uint32_t{1} << CLOCK_MONOTONIC;
}

ClockFreeze::~ClockFreeze() { --freeze.depth; }

}  // namespace tandem::checks

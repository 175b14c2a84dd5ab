// ClockFreeze: the clock stands still inside a freeze, for this thread only,
// for every library's reads (libstdc++'s steady_clock stands in for libcurl:
// both reach clock_gettime through the dynamic linker), and moves outside it.
#include <dlfcn.h>
#include <time.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "checks/probes/clock_freeze.hpp"

using namespace std::chrono_literals;
using tandem::checks::ClockFreeze;
using Steady = std::chrono::steady_clock;

namespace {

void executable_marker() {}

std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

TEST_CASE("libraries bind clock_gettime to the executable's definition") {
  Dl_info found{}, ours{};
  void* symbol = ::dlsym(RTLD_DEFAULT, "clock_gettime");
  REQUIRE(symbol != nullptr);
  REQUIRE(::dladdr(symbol, &found) != 0);
  REQUIRE(::dladdr(reinterpret_cast<void*>(&executable_marker), &ours) != 0);
  CHECK(found.dli_fbase == ours.dli_fbase);
}

TEST_CASE("inside a freeze the clock stands still; after it, it moves") {
  Steady::time_point first, second;
  {
    ClockFreeze still;
    first = Steady::now();
    std::this_thread::sleep_for(3ms);
    second = Steady::now();
  }
  CHECK(second == first);
  CHECK(Steady::now() - first >= 3ms);
}

TEST_CASE("a nested freeze keeps the outer one's readings") {
  ClockFreeze outer;
  const auto before = Steady::now();
  {
    ClockFreeze inner;
    std::this_thread::sleep_for(2ms);
    CHECK(Steady::now() == before);
  }
  std::this_thread::sleep_for(2ms);
  CHECK(Steady::now() == before);  // the outer freeze is still open
}

TEST_CASE("each freeze takes a new reading") {
  Steady::time_point first, second;
  {
    ClockFreeze still;
    first = Steady::now();
  }
  std::this_thread::sleep_for(2ms);
  {
    ClockFreeze still;
    second = Steady::now();
  }
  CHECK(second - first >= 2ms);
}

TEST_CASE("a freeze holds only its own thread's clock") {
  ClockFreeze still;
  const auto mine = Steady::now();
  Steady::duration theirs{};
  std::thread other([&] {
    const auto a = Steady::now();
    std::this_thread::sleep_for(3ms);
    theirs = Steady::now() - a;
  });
  other.join();
  CHECK(theirs >= 3ms);
  CHECK(Steady::now() == mine);
}

TEST_CASE("CPU-time clocks are never frozen") {
  ClockFreeze still;
  const auto start = thread_cpu();
  volatile unsigned sink = 0;
  while (thread_cpu() - start < 2ms) sink = sink + 1;  // bounded: ends after 2 ms of CPU
  CHECK(thread_cpu() - start >= 2ms);
}

TEST_CASE("the wall clock is frozen too") {
  timespec a{}, b{};
  ClockFreeze still;
  ::clock_gettime(CLOCK_REALTIME, &a);
  std::this_thread::sleep_for(2ms);
  ::clock_gettime(CLOCK_REALTIME, &b);
  CHECK(a.tv_sec == b.tv_sec);
  CHECK(a.tv_nsec == b.tv_nsec);
}

TEST_CASE("a seeded freeze shows the seed and reads no clock for it") {
  const auto seed = Steady::now();  // a time the caller read earlier (later than any frozen one)
  std::this_thread::sleep_for(2ms);
  ClockFreeze still(seed);
  CHECK(Steady::now() == seed);
  {
    ClockFreeze inner(seed + 10ms);  // nested: the outer freeze's time stands
    CHECK(Steady::now() == seed);
  }
}

TEST_CASE("a seed never sets the frozen clock back behind what it showed before") {
  Steady::time_point shown;
  {
    ClockFreeze still;
    shown = Steady::now();
  }
  {
    ClockFreeze stale(shown - 20ms);
    CHECK(Steady::now() == shown);
  }
  std::this_thread::sleep_for(2ms);
  const auto later = Steady::now();
  ClockFreeze fresh(later);
  CHECK(Steady::now() == later);
}

TEST_CASE("a freeze seeded with no time takes a reading as an unseeded one") {
  const auto before = Steady::now();
  ClockFreeze still(tandem::checks::TimePoint{});
  const auto frozen = Steady::now();
  CHECK(frozen >= before);
  std::this_thread::sleep_for(2ms);
  CHECK(Steady::now() == frozen);
}

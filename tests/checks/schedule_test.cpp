// Spread of start times and drift-free next-due times.
#include "checks/core/schedule.hpp"

#include <set>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace tandem::checks;

TEST_CASE("start offsets are spread evenly over the interval", "[unit]") {
  CHECK(spread_offset(0, 4, 1000ms) == 0ms);
  CHECK(spread_offset(1, 4, 1000ms) == 250ms);
  CHECK(spread_offset(3, 4, 1000ms) == 750ms);
  CHECK(spread_offset(0, 0, 1000ms) == 0ms);
  CHECK(spread_offset(5, 3, 0ms) == 0ms);

  // 10,000 checks over 1 s: every millisecond gets 10, none more.
  std::vector<int> per_ms(1000, 0);
  for (std::size_t i = 0; i < 10000; ++i) {
    auto off = spread_offset(i, 10000, 1000ms);
    REQUIRE(off >= 0ms);
    REQUIRE(off < 1000ms);
    ++per_ms[static_cast<std::size_t>(off.count())];
  }
  for (int n : per_ms) CHECK(n == 10);
}

TEST_CASE("the next run is due one interval after the previous due time", "[unit]") {
  const TimePoint due{1000ms};
  // finished early: plain interval after the due time, not after the finish
  CHECK(next_due(due, 2s, due + 300ms) == due + 2s);
  // waited in the queue and finished late, but before the next slot: no drift
  CHECK(next_due(due, 2s, due + 1900ms) == due + 2s);
}

TEST_CASE("missed slots are skipped and the phase is kept", "[unit]") {
  const TimePoint due{0ms};
  CHECK(next_due(due, 1s, due + 1s) == due + 2s);  // exactly on a slot: the next one
  CHECK(next_due(due, 1s, due + 3500ms) == due + 4s);
  CHECK(next_due(due, 0ms, due + 5ms) == due + 6ms);  // degenerate interval
}

TEST_CASE("due times are rounded up to the timer quantum", "[unit]") {
  CHECK(quantize(TimePoint{1000ms}, 5ms) == TimePoint{1000ms});
  CHECK(quantize(TimePoint{1001ms}, 5ms) == TimePoint{1005ms});
  CHECK(quantize(TimePoint{1004ms}, 5ms) == TimePoint{1005ms});
  CHECK(quantize(TimePoint{1001ms}, 0ms) == TimePoint{1001ms});
  // A grid of whole seconds stays on the quantum's grid: no drift.
  TimePoint due = quantize(TimePoint{1003ms}, 5ms);
  for (int i = 0; i < 10; ++i) due = quantize(next_due(due, 1s, due), 5ms);
  CHECK(due == TimePoint{11005ms});
}

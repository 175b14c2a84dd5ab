// Rise/fall hysteresis and interval choice, driven with an injected clock.
#include "checks/core/tracker.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace tandem::checks;

namespace {
const TimePoint t0{};
ProbeResult ok() { return ProbeResult::success("connected"); }
ProbeResult bad(const char* why = "connect refused") { return ProbeResult::failure(why); }
}  // namespace

TEST_CASE("a server starting down comes up after rise successes in a row", "[unit]") {
  HealthTracker t(3, 2, Health::down);
  CHECK_FALSE(t.on_result(ok(), t0 + 1s));
  CHECK_FALSE(t.on_result(ok(), t0 + 2s));
  CHECK_FALSE(t.on_result(bad(), t0 + 3s));  // streak broken
  CHECK_FALSE(t.on_result(ok(), t0 + 4s));
  CHECK_FALSE(t.on_result(ok(), t0 + 5s));
  auto tr = t.on_result(ok(), t0 + 6s);
  REQUIRE(tr);
  CHECK(tr->from == Health::down);
  CHECK(tr->to == Health::up);
  CHECK(tr->at == t0 + 6s);
  CHECK(tr->reason == "connected");
  CHECK(t.health() == Health::up);
}

TEST_CASE("an up server goes down after fall failures in a row, with the last reason", "[unit]") {
  HealthTracker t(2, 3, Health::up);
  CHECK_FALSE(t.on_result(bad(), t0));
  CHECK_FALSE(t.on_result(ok(), t0 + 1s));  // streak broken
  CHECK_FALSE(t.on_result(bad(), t0 + 2s));
  CHECK_FALSE(t.on_result(bad(), t0 + 3s));
  auto tr = t.on_result(bad("HTTP 503 (expected 200)"), t0 + 4s);
  REQUIRE(tr);
  CHECK(tr->from == Health::up);
  CHECK(tr->to == Health::down);
  CHECK(tr->reason == "HTTP 503 (expected 200)");
}

TEST_CASE("rise 1 brings a server back on one success, fall 1 takes it down on one failure",
          "[unit]") {
  HealthTracker t(1, 1, Health::down);
  CHECK(t.on_result(ok(), t0));
  CHECK(t.on_result(bad(), t0 + 1s));
  CHECK(t.on_result(ok(), t0 + 2s));
}

TEST_CASE("rise and fall of 0 behave as 1", "[unit]") {
  HealthTracker t(0, 0, Health::down);
  CHECK(t.on_result(ok(), t0));
  CHECK(t.on_result(bad(), t0));
}

TEST_CASE("a server starting up stays up through failures below fall", "[unit]") {
  HealthTracker t(2, 3, Health::up);
  CHECK(t.health() == Health::up);
  CHECK_FALSE(t.on_result(bad(), t0));
  CHECK(t.health() == Health::up);
}

TEST_CASE("fastinter while changing, downinter while steadily down, inter otherwise", "[unit]") {
  CheckDefinition d;
  d.interval = 2s;
  d.fast_interval = 500ms;
  d.down_interval = 10s;
  d.rise = 2;
  d.fall = 2;
  HealthTracker t(d.rise, d.fall, Health::down);
  CHECK(t.next_interval(d) == 2s);  // no result yet: do not check a new server late
  t.on_result(bad(), t0);
  CHECK(t.next_interval(d) == 10s);  // steadily down
  t.on_result(ok(), t0);
  CHECK(t.next_interval(d) == 500ms);  // rising
  t.on_result(ok(), t0);
  REQUIRE(t.health() == Health::up);
  CHECK(t.next_interval(d) == 2s);
  t.on_result(bad(), t0);
  CHECK(t.next_interval(d) == 500ms);  // falling
  t.on_result(bad(), t0);
  REQUIRE(t.health() == Health::down);
  CHECK(t.next_interval(d) == 10s);
}

TEST_CASE("without fastinter/downinter the interval is used throughout", "[unit]") {
  CheckDefinition d;
  d.interval = 3s;
  HealthTracker t(2, 2, Health::down);
  t.on_result(bad(), t0);
  CHECK(t.next_interval(d) == 3s);
  t.on_result(ok(), t0);
  CHECK(t.next_interval(d) == 3s);
}

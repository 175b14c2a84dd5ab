#include "common/duration.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using tandem::format_duration;
using tandem::parse_duration;

TEST_CASE("durations parse as operators write them", "[unit]") {
  CHECK(parse_duration("1s") == 1000ms);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("2m") == 120s);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0") == 0ms);
  CHECK(parse_duration("0s") == 0ms);
  CHECK(parse_duration("1d") == 24h);
}

TEST_CASE("malformed durations are rejected", "[unit]") {
  for (const char* text : {"", "1", "s", "1x", "-1s", "1.s", ".5s", "1.0001ms", "1 s", "1s ", "99999999999999d",
                           "1sms"}) {
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("durations format to the shortest exact form and round-trip", "[unit]") {
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(2000ms) == "2s");
  CHECK(format_duration(120s) == "2m");
  for (long long ms : {1LL, 999LL, 1000LL, 61'000LL, 3'600'000LL, 86'400'001LL}) {
    const auto d = std::chrono::milliseconds(ms);
    CHECK(parse_duration(format_duration(d)) == d);
  }
}

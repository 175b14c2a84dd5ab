// AND-combination of several checks of one real server.
#include "checks/core/server_health.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace tandem::checks;

TEST_CASE("a server is up only while all its checks are up", "[unit]") {
  const TimePoint t0{};
  ServerHealth s({Health::down, Health::down});
  const std::string http = "http GET /healthz";
  CHECK(s.health() == Health::down);
  CHECK_FALSE(s.on_check(0, Health::up, "connected", t0, "tcp"));
  auto up = s.on_check(1, Health::up, "HTTP 200", t0 + 1s, http);
  REQUIRE(up);
  CHECK(up->from == Health::down);
  CHECK(up->to == Health::up);
  CHECK(up->at == t0 + 1s);
  CHECK(up->reason == "all 2 checks pass (http GET /healthz: HTTP 200)");

  auto down = s.on_check(1, Health::down, "HTTP 503 (expected 200)", t0 + 2s, http);
  REQUIRE(down);
  CHECK(down->to == Health::down);
  CHECK(down->reason == "http GET /healthz: HTTP 503 (expected 200)");
  // the other check failing too changes nothing
  CHECK_FALSE(s.on_check(0, Health::down, "connect refused", t0 + 3s, "tcp"));
  // one coming back is not enough
  CHECK_FALSE(s.on_check(1, Health::up, "HTTP 200", t0 + 4s, http));
  CHECK(s.on_check(0, Health::up, "connected", t0 + 5s, "tcp"));
}

TEST_CASE("a single check's reason is not prefixed", "[unit]") {
  ServerHealth s({Health::up});
  auto down = s.on_check(0, Health::down, "connect refused", TimePoint{}, "tcp");
  REQUIRE(down);
  CHECK(down->reason == "connect refused");
}

TEST_CASE("a server without checks is up and ignores stray indexes", "[unit]") {
  ServerHealth s({});
  CHECK(s.health() == Health::up);
  CHECK_FALSE(s.on_check(3, Health::down, "x", TimePoint{}));
}

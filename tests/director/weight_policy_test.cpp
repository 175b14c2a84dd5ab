#include "director/policy/weight_policy.hpp"

#include <catch2/catch.hpp>

#include "director/policy/quorum_watch.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::director::policy;

namespace {

const TimePoint t0 = TimePoint{} + 1000h;

RealInput up(std::uint32_t weight) {
  RealInput r;
  r.configured_weight = weight;
  r.health = Health::up;
  return r;
}

RealInput down(std::uint32_t weight) {
  RealInput r;
  r.configured_weight = weight;
  r.health = Health::down;
  r.down_since = t0;
  return r;
}

}  // namespace

TEST_CASE("a down server is quiesced, an up one has its configured weight", "[unit]") {
  const auto out = evaluate({}, {up(100), down(50)}, t0);
  REQUIRE(out.reals.size() == 2);
  CHECK(out.reals[0] == RealOutcome{true, 100, true});
  CHECK(out.reals[1] == RealOutcome{true, 0, false});
  CHECK(out.quorum_met);
  CHECK_FALSE(out.next_change);
}

TEST_CASE("a server without a verdict keeps the weight adopted from the kernel", "[unit]") {
  RealInput r;
  r.configured_weight = 100;
  r.adopted_weight = 37;
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 37);
  r.adopted_weight.reset();
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 0);  // new server, not yet checked
  r.adopted_weight = 37;
  r.health = Health::down;
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 0);  // the first verdict decides
  r.health = Health::up;
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 100);
}

TEST_CASE("slow start ramps the weight in steps and says when the next one is due", "[unit]") {
  ServiceInput svc;
  svc.slow_start = 20s;
  RealInput r = up(100);
  r.up_since = t0;
  auto at = [&](Duration d) { return evaluate(svc, {r}, t0 + d); };
  CHECK(at(0s).reals[0].weight == 5);
  CHECK(at(0s).next_change == t0 + 1s);
  CHECK(at(999ms).reals[0].weight == 5);
  CHECK(at(1s).reals[0].weight == 10);
  CHECK(at(10s).reals[0].weight == 55);
  CHECK(at(10500ms).next_change == t0 + 11s);
  CHECK(at(19999ms).reals[0].weight == 100);
  CHECK(at(20s).reals[0].weight == 100);
  CHECK_FALSE(at(20s).next_change);
  // Weight never below 1 while ramping, even for a small weight.
  CHECK(slow_start_weight(3, 20s, t0, t0) == 1);
  CHECK(slow_start_weight(0, 20s, t0, t0) == 0);
}

TEST_CASE("manual drain and set-weight override health", "[unit]") {
  RealInput r = up(100);
  r.drained = true;
  CHECK(evaluate({}, {r}, t0).reals[0] == RealOutcome{true, 0, false});
  r.drained = false;
  r.manual_weight = 7;
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 7);
  r.health = Health::down;
  CHECK(evaluate({}, {r}, t0).reals[0].weight == 0);  // a manual weight does not revive a failed server
}

TEST_CASE("a removed server drains before it is deleted", "[unit]") {
  ServiceInput svc;
  svc.drain_timeout = 60s;
  RealInput r = up(100);
  r.removal_started = t0;
  r.connections = 3;
  auto o = evaluate(svc, {r}, t0 + 10s);
  CHECK(o.reals[0] == RealOutcome{true, 0, false});
  CHECK(o.next_change == t0 + 60s);
  r.connections = 0;
  CHECK_FALSE(evaluate(svc, {r}, t0 + 10s).reals[0].present);  // connections ended
  r.connections = 3;
  CHECK_FALSE(evaluate(svc, {r}, t0 + 60s).reals[0].present);  // timeout passed
}

TEST_CASE("on_failure = remove drains a failed server, then deletes it", "[unit]") {
  ServiceInput svc;
  svc.drain_timeout = 30s;
  RealInput r = down(100);
  r.on_failure = tandem::conf::OnFailure::remove;
  r.connections = 1;
  CHECK(evaluate(svc, {r}, t0 + 5s).reals[0] == RealOutcome{true, 0, false});
  CHECK_FALSE(evaluate(svc, {r}, t0 + 30s).reals[0].present);
  r.health = Health::up;  // it came back: in again with its weight
  CHECK(evaluate(svc, {r}, t0 + 31s).reals[0] == RealOutcome{true, 100, true});
}

TEST_CASE("quorum by count and by weight decides the sorry server", "[unit]") {
  ServiceInput svc;
  svc.quorum = 2;
  svc.has_sorry_server = true;
  auto o = evaluate(svc, {up(10), down(10), up(10)}, t0);
  CHECK(o.quorum_met);
  CHECK_FALSE(o.sorry_server_present);
  o = evaluate(svc, {up(10), down(10), down(10)}, t0);
  CHECK_FALSE(o.quorum_met);
  CHECK(o.sorry_server_present);
  CHECK(o.healthy == 1);

  svc.quorum_by = tandem::conf::QuorumBy::weight;
  svc.quorum = 15;
  CHECK_FALSE(evaluate(svc, {up(10), down(10)}, t0).quorum_met);
  CHECK(evaluate(svc, {up(10), up(10)}, t0).quorum_met);
  svc.has_sorry_server = false;
  CHECK_FALSE(evaluate(svc, {up(10)}, t0).sorry_server_present);
}

TEST_CASE("a drained or zero-weight server does not count for quorum", "[unit]") {
  ServiceInput svc;
  svc.quorum = 1;
  RealInput r = up(10);
  r.drained = true;
  CHECK_FALSE(evaluate(svc, {r}, t0).quorum_met);
  CHECK_FALSE(evaluate(svc, {up(0)}, t0).quorum_met);
}

TEST_CASE("quorum edges fire once per change, and at start-up only when lost", "[unit]") {
  QuorumWatch w;
  CHECK(w.update(true) == QuorumEdge::none);
  CHECK(w.update(true) == QuorumEdge::none);
  CHECK(w.update(false) == QuorumEdge::lost);
  CHECK(w.update(false) == QuorumEdge::none);
  CHECK(w.update(true) == QuorumEdge::restored);
  QuorumWatch starts_lost;
  CHECK(starts_lost.update(false) == QuorumEdge::lost);
}

// vrrp::Machine against the state descriptions of RFC 5798 6.4 (and the
// RFC 3768 6.1 timing for v2), one event at a time, with a synthetic clock.
#include <catch2/catch.hpp>

#include "vrrp/machine/machine.hpp"

using namespace tandem;
using namespace tandem::vrrp;
using namespace std::chrono_literals;
using us = std::chrono::microseconds;

namespace {

const IpAddress kOurs = IpAddress::v4({10, 0, 0, 2});
const IpAddress kLower = IpAddress::v4({10, 0, 0, 1});
const IpAddress kHigher = IpAddress::v4({10, 0, 0, 3});
const TimePoint t0 = TimePoint{} + 1h;

MachineSettings settings(std::uint8_t priority = 100, Duration interval = 1000ms) {
  MachineSettings s;
  s.vrid = 7;
  s.priority = priority;
  s.advert_interval = interval;
  s.primary_address = kOurs;
  s.virtual_ips = {IpAddress::v4({10, 0, 0, 10})};
  return s;
}

Advert from_peer(std::uint8_t priority, Duration interval = 1000ms) {
  Advert a;
  a.vrid = 7;
  a.priority = priority;
  a.interval = interval;
  a.addresses = {IpAddress::v4({10, 0, 0, 10})};
  return a;
}

// A machine that is Master since t0 (it waited out its master-down interval).
Machine master(MachineSettings s = settings()) {
  Machine m(s);
  m.on_start(t0 - 10s);
  m.on_timer(m.deadline());
  REQUIRE(m.state() == State::master);
  return m;
}

}  // namespace

TEST_CASE("skew and master-down interval follow RFC 5798 6.1 and RFC 3768 6.1", "[unit]") {
  Machine v3(settings(100, 1000ms));
  CHECK(v3.skew_time() == us{(256 - 100) * 1'000'000LL / 256});   // 609375 us
  CHECK(v3.master_down_interval() == 3s + us{609375});
  Machine fast(settings(200, 100ms));
  CHECK(fast.skew_time() == us{56 * 100'000LL / 256});            // 21875 us
  MachineSettings s2 = settings(100, 3000ms);
  s2.version = Version::v2;
  Machine v2(s2);
  // v2: the skew does not scale with the interval.
  CHECK(v2.skew_time() == us{156 * 1'000'000LL / 256});
  CHECK(v2.master_down_interval() == 9s + us{609375});
}

TEST_CASE("Initialize: the address owner becomes Master at once, others Backup (6.4.1)", "[unit]") {
  Machine owner(settings(255));
  const Actions a = owner.on_start(t0);
  CHECK(owner.state() == State::master);
  CHECK(a.vips == Actions::Vips::add);
  CHECK(a.announce);
  REQUIRE(a.send);
  CHECK(a.send->priority == 255);
  CHECK(a.send->vrid == 7);
  CHECK(a.send->addresses == settings().virtual_ips);
  REQUIRE(a.transition);
  CHECK(a.transition->from == State::initialize);
  CHECK(a.transition->to == State::master);
  CHECK(owner.deadline() == t0 + 1000ms);

  Machine other(settings(100));
  const Actions b = other.on_start(t0);
  CHECK(other.state() == State::backup);
  CHECK(b.vips == Actions::Vips::keep);
  CHECK_FALSE(b.send);
  CHECK(b.transition->to == State::backup);
  CHECK(other.deadline() == t0 + other.master_down_interval());
}

TEST_CASE("Backup: the Master_Down_Timer makes it Master exactly at the interval (6.4.2)", "[unit]") {
  Machine m(settings());
  m.on_start(t0);
  const TimePoint due = t0 + m.master_down_interval();
  CHECK(m.on_timer(due - 1us).send == std::nullopt);
  CHECK(m.state() == State::backup);
  const Actions a = m.on_timer(due);
  CHECK(m.state() == State::master);
  CHECK(a.vips == Actions::Vips::add);
  CHECK(a.announce);
  REQUIRE(a.send);
  CHECK(a.send->priority == 100);
  CHECK(a.transition->from == State::backup);
  CHECK(m.deadline() == due + 1000ms);
}

TEST_CASE("Backup: priority 0 shortens the wait to the skew time (6.4.2)", "[unit]") {
  Machine m(settings(100));
  m.on_start(t0);
  m.on_advert(from_peer(0), kHigher, t0 + 500ms);
  CHECK(m.deadline() == t0 + 500ms + m.skew_time());
  m.on_timer(t0 + 500ms + m.skew_time());
  CHECK(m.state() == State::master);
}

TEST_CASE("Backup: a higher or equal advert resets the timer and teaches the interval (6.4.2)", "[unit]") {
  Machine m(settings(100, 1000ms));
  m.on_start(t0);
  m.on_advert(from_peer(150, 200ms), kHigher, t0 + 2s);
  CHECK(m.master_advert_interval() == 200ms);
  CHECK(m.deadline() == t0 + 2s + 600ms + us{156 * 200'000LL / 256});
  m.on_advert(from_peer(100, 200ms), kLower, t0 + 2100ms);   // equal priority
  CHECK(m.deadline() == t0 + 2100ms + m.master_down_interval());
  CHECK(m.state() == State::backup);
}

TEST_CASE("Backup: a lower advert is discarded with preempt, accepted without (6.4.2)", "[unit]") {
  SECTION("preempt: the timer keeps running and we take over") {
    Machine m(settings(100));
    m.on_start(t0);
    const TimePoint due = m.deadline();
    m.on_advert(from_peer(50), kHigher, t0 + 1s);
    CHECK(m.deadline() == due);
    m.on_timer(due);
    CHECK(m.state() == State::master);
  }
  SECTION("no preempt: the lower master is followed") {
    MachineSettings s = settings(100);
    s.preempt = false;
    Machine m(s);
    m.on_start(t0);
    for (int i = 1; i <= 10; ++i) {
      m.on_advert(from_peer(50), kHigher, t0 + i * 1s);
      m.on_timer(t0 + i * 1s);
      CHECK(m.state() == State::backup);
    }
  }
}

TEST_CASE("Backup: preempt_delay holds off preemption after entering Backup", "[unit]") {
  MachineSettings s = settings(100);
  s.preempt_delay = 5s;
  Machine m(s);
  m.on_start(t0);
  // A lower master is followed while the delay runs...
  for (int i = 1; i < 5; ++i) m.on_advert(from_peer(50), kHigher, t0 + i * 1s);
  m.on_timer(t0 + 4500ms);
  CHECK(m.state() == State::backup);
  // ...and discarded afterwards, so the timer started by the last followed
  // advert runs out.
  m.on_advert(from_peer(50), kHigher, t0 + 5s);
  m.on_advert(from_peer(50), kHigher, t0 + 6s);
  const TimePoint due = t0 + 4s + m.master_down_interval();
  m.on_timer(due - 1us);
  CHECK(m.state() == State::backup);
  m.on_timer(due);
  CHECK(m.state() == State::master);
}

TEST_CASE("Backup: with no master at all, the delay does not stop the takeover", "[unit]") {
  MachineSettings s = settings(100);
  s.preempt_delay = 1h;
  Machine m(s);
  m.on_start(t0);
  m.on_timer(t0 + m.master_down_interval());
  CHECK(m.state() == State::master);
}

TEST_CASE("Master: the Adver_Timer sends an advert every interval (6.4.3)", "[unit]") {
  Machine m = master();
  const TimePoint first = m.deadline();
  const Actions a = m.on_timer(first);
  REQUIRE(a.send);
  CHECK(a.send->priority == 100);
  CHECK_FALSE(a.transition);
  CHECK(m.deadline() == first + 1000ms);
  CHECK_FALSE(m.on_timer(first + 999ms).send);   // early: nothing
}

TEST_CASE("Master: priority 0 from another router is answered at once (6.4.3), and the VIPs re-announced", "[unit]") {
  Machine m = master();
  const Actions a = m.on_advert(from_peer(0), kHigher, t0 + 100ms);
  REQUIRE(a.send);
  CHECK(a.send->priority == 100);
  CHECK(a.announce);  // ours: the sender was a master, clients may hold its MAC
  CHECK(m.state() == State::master);
  CHECK(m.deadline() == t0 + 1100ms);
  // Answered every time, re-announced at most once per advert interval.
  const Actions again = m.on_advert(from_peer(0), kHigher, t0 + 300ms);
  CHECK(again.send);
  CHECK_FALSE(again.announce);
}

TEST_CASE("Master: a higher advert, or an equal one from a higher address, makes it Backup (6.4.3)", "[unit]") {
  SECTION("higher priority") {
    Machine m = master();
    const Actions a = m.on_advert(from_peer(150, 300ms), kLower, t0);
    CHECK(m.state() == State::backup);
    CHECK(a.vips == Actions::Vips::remove);
    // One advert with priority 0, so the new master re-announces the VIPs
    // even if our adverts never reached it (a healed split brain).
    REQUIRE(a.send);
    CHECK(a.send->priority == 0);
    CHECK(a.transition->from == State::master);
    CHECK(m.master_advert_interval() == 300ms);
    CHECK(m.deadline() == t0 + m.master_down_interval());
  }
  SECTION("equal priority, higher address wins") {
    Machine m = master();
    m.on_advert(from_peer(100), kHigher, t0);
    CHECK(m.state() == State::backup);
  }
  SECTION("equal priority, lower address loses") {
    Machine m = master();
    m.on_advert(from_peer(100), kLower, t0);
    CHECK(m.state() == State::master);
  }
}

TEST_CASE("A healed split brain: whichever advert crosses first, the master ends up re-announcing", "[unit]") {
  // The lower side hears the higher one first: it yields with priority 0,
  // which the higher one answers with a re-announcement.
  Machine high = master();
  Machine low = master();
  const Actions yielded = low.on_advert(from_peer(150), kHigher, t0);
  CHECK(low.state() == State::backup);
  REQUIRE(yielded.send);
  const Actions answer = high.on_advert(*yielded.send, kLower, t0 + 1ms);
  CHECK(high.state() == State::master);
  CHECK(answer.announce);
}

TEST_CASE("Master: a lower advert (healed split brain) re-announces, once per interval", "[unit]") {
  Machine m = master();
  const Actions a = m.on_advert(from_peer(50), kHigher, t0);
  CHECK(m.state() == State::master);
  CHECK(a.announce);
  CHECK(a.send);
  CHECK(a.vips == Actions::Vips::keep);
  const Actions again = m.on_advert(from_peer(50), kHigher, t0 + 500ms);
  CHECK_FALSE(again.announce);
  CHECK_FALSE(again.send);
  CHECK(m.on_advert(from_peer(50), kHigher, t0 + 1000ms).announce);
}

TEST_CASE("Tracking: the effective priority is advertised and compared", "[unit]") {
  SECTION("a master re-advertises at once with the new priority") {
    Machine m = master();
    const Actions a = m.set_effective_priority(50, t0);
    REQUIRE(a.send);
    CHECK(a.send->priority == 50);
    CHECK(m.effective_priority() == 50);
    // ...and now loses to a router it used to beat.
    m.on_advert(from_peer(80), kLower, t0 + 1s);
    CHECK(m.state() == State::backup);
  }
  SECTION("a backup that rises above the master preempts it") {
    Machine m(settings(100));
    m.on_start(t0);
    m.on_advert(from_peer(120), kHigher, t0 + 1s);
    const TimePoint due = m.deadline();
    m.set_effective_priority(150, t0 + 1500ms);
    m.on_advert(from_peer(120), kHigher, t0 + 2s);   // now lower: discarded
    CHECK(m.deadline() == due);
    m.on_timer(due);
    CHECK(m.state() == State::master);
  }
  SECTION("never 0 and never 255 for a router that does not own the addresses") {
    Machine m(settings(100));
    m.set_effective_priority(0, t0);
    CHECK(m.effective_priority() == 1);
    m.set_effective_priority(255, t0);
    CHECK(m.effective_priority() == 254);
  }
}

TEST_CASE("Fault: link down from every state, and recovery through Initialize", "[unit]") {
  SECTION("from Master: VIPs removed, nothing pending") {
    Machine m = master();
    const Actions a = m.on_link(false, t0);
    CHECK(m.state() == State::fault);
    CHECK(a.vips == Actions::Vips::remove);
    CHECK_FALSE(a.send);
    CHECK(a.transition->to == State::fault);
    CHECK(m.deadline() == TimePoint::max());
    CHECK_FALSE(m.on_advert(from_peer(50), kHigher, t0 + 1s).send);
    const Actions up = m.on_link(true, t0 + 2s);
    CHECK(m.state() == State::backup);
    CHECK(up.transition->from == State::fault);
    CHECK(up.transition->to == State::backup);
  }
  SECTION("from Backup") {
    Machine m(settings());
    m.on_start(t0);
    const Actions a = m.on_link(false, t0);
    CHECK(a.vips == Actions::Vips::keep);
    CHECK(m.state() == State::fault);
    m.on_timer(t0 + 1h);
    CHECK(m.state() == State::fault);
  }
  SECTION("the owner comes back as Master") {
    Machine m(settings(255));
    m.on_start(t0);
    m.on_link(false, t0);
    const Actions a = m.on_link(true, t0 + 1s);
    CHECK(m.state() == State::master);
    CHECK(a.vips == Actions::Vips::add);
    CHECK(a.announce);
  }
  SECTION("link up without a fault changes nothing") {
    Machine m = master();
    CHECK_FALSE(m.on_link(true, t0).transition);
  }
}

TEST_CASE("Graceful shutdown: priority 0, VIPs held until the new master is heard", "[unit]") {
  SECTION("the new master is heard") {
    Machine m = master();
    const Actions a = m.on_shutdown(t0);
    REQUIRE(a.send);
    CHECK(a.send->priority == 0);
    CHECK(a.vips == Actions::Vips::keep);
    CHECK_FALSE(a.stopped);
    CHECK(m.releasing());
    // Another stopping router's priority 0 does not count.
    CHECK_FALSE(m.on_advert(from_peer(0), kHigher, t0 + 10ms).stopped);
    // Priority 0 again each interval while we wait.
    const Actions again = m.on_timer(t0 + 1000ms);
    REQUIRE(again.send);
    CHECK(again.send->priority == 0);
    const Actions heard = m.on_advert(from_peer(50), kLower, t0 + 1200ms);
    CHECK(heard.vips == Actions::Vips::remove);
    CHECK(heard.stopped);
  }
  SECTION("nobody takes over: the hold is bounded") {
    Machine m = master();
    m.on_shutdown(t0);
    const TimePoint bound = t0 + 3s + us{255 * 1'000'000LL / 256};
    CHECK(m.deadline() <= bound);
    TimePoint now = t0;
    Actions a;
    for (int i = 0; i < 20 && !a.stopped; ++i) {
      now = m.deadline();
      a = m.on_timer(now);
    }
    CHECK(a.stopped);
    CHECK(a.vips == Actions::Vips::remove);
    CHECK(now == bound);
  }
  SECTION("a backup stops at once") {
    Machine m(settings());
    m.on_start(t0);
    const Actions a = m.on_shutdown(t0);
    CHECK(a.stopped);
    CHECK(a.vips == Actions::Vips::keep);
    CHECK_FALSE(a.send);
  }
}

TEST_CASE("VRRPv2 does not learn the master's interval", "[unit]") {
  MachineSettings s = settings(100, 1000ms);
  s.version = Version::v2;
  Machine m(s);
  m.on_start(t0);
  m.on_advert(from_peer(150, 3000ms), kHigher, t0);
  CHECK(m.master_advert_interval() == 1000ms);
}

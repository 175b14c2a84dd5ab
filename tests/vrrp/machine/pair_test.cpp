// Two vrrp::Machines wired back to back through a simulated LAN (adverts
// delivered after a fixed delay, or dropped while the link is cut), with a
// simulated clock: the protocol-level behaviour the failover tests then
// check on real namespaces.
#include <catch2/catch.hpp>

#include <array>
#include <deque>

#include "vrrp/machine/machine.hpp"

using namespace tandem;
using namespace tandem::vrrp;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1h;
constexpr auto kDelay = std::chrono::microseconds{200};

struct Router {
  Machine machine;
  IpAddress address;
  bool alive = true;
};

struct InFlight {
  TimePoint at;
  std::size_t to;
  Advert advert;
  IpAddress from;
};

// Runs the pair until `until`, event by event; `masters_at` samples how many
// routers hold the VIPs.
class Lan {
 public:
  Lan(std::uint8_t p0, std::uint8_t p1, Duration interval) {
    for (std::size_t i = 0; i < 2; ++i) {
      MachineSettings s;
      s.vrid = 1;
      s.priority = i == 0 ? p0 : p1;
      s.advert_interval = interval;
      s.primary_address = IpAddress::v4({10, 0, 0, static_cast<std::uint8_t>(i + 1)});
      routers_[i] = std::make_unique<Router>(Router{Machine(s), s.primary_address});
    }
  }
  void start(TimePoint now) {
    for (std::size_t i = 0; i < 2; ++i) handle(i, routers_[i]->machine.on_start(now), now);
  }
  void run_until(TimePoint until) {
    for (int guard = 0; guard < 1'000'000; ++guard) {
      TimePoint next = until;
      std::optional<std::size_t> timer;
      for (std::size_t i = 0; i < 2; ++i) {
        if (!routers_[i]->alive) continue;
        if (routers_[i]->machine.deadline() < next) {
          next = routers_[i]->machine.deadline();
          timer = i;
        }
      }
      if (!wire_.empty() && wire_.front().at <= next) {
        InFlight f = wire_.front();
        wire_.pop_front();
        now_ = f.at;
        if (routers_[f.to]->alive && !cut_) handle(f.to, routers_[f.to]->machine.on_advert(f.advert, f.from, now_), now_);
        continue;
      }
      now_ = next;
      if (!timer) return;
      handle(*timer, routers_[*timer]->machine.on_timer(now_), now_);
    }
    FAIL("simulation did not converge");
  }
  Router& router(std::size_t i) { return *routers_[i]; }
  int masters() const {
    int n = 0;
    for (const auto& r : routers_) n += r->alive && r->machine.state() == State::master;
    return n;
  }
  std::optional<TimePoint> became_master[2];
  bool cut_ = false;

 private:
  void handle(std::size_t i, const Actions& a, TimePoint now) {
    if (a.transition && a.transition->to == State::master) became_master[i] = now;
    if (a.send && routers_[i]->alive) wire_.push_back({now + kDelay, 1 - i, *a.send, routers_[i]->address});
  }
  std::array<std::unique_ptr<Router>, 2> routers_;
  std::deque<InFlight> wire_;
  TimePoint now_ = t0;
};

}  // namespace

TEST_CASE("a pair converges on exactly one master, the higher priority", "[unit]") {
  Lan lan(150, 100, 100ms);
  lan.start(t0);
  lan.run_until(t0 + 5s);
  CHECK(lan.masters() == 1);
  CHECK(lan.router(0).machine.state() == State::master);
  CHECK(lan.router(1).machine.state() == State::backup);
}

TEST_CASE("equal priorities: the higher primary address is master", "[unit]") {
  Lan lan(100, 100, 100ms);
  lan.start(t0);
  lan.run_until(t0 + 5s);
  CHECK(lan.masters() == 1);
  CHECK(lan.router(1).machine.state() == State::master);
}

TEST_CASE("the master dies: the backup takes over within its master-down interval", "[unit]") {
  Lan lan(150, 100, 1000ms);
  lan.start(t0);
  lan.run_until(t0 + 10s);
  REQUIRE(lan.router(0).machine.state() == State::master);
  const TimePoint crash = t0 + 10s + 300ms;
  lan.run_until(crash);
  lan.router(0).alive = false;
  lan.became_master[1].reset();
  lan.run_until(crash + 10s);
  REQUIRE(lan.became_master[1]);
  const auto mdi = lan.router(1).machine.master_down_interval();
  CHECK(*lan.became_master[1] - crash <= mdi);
  CHECK(*lan.became_master[1] - crash > mdi - 1000ms);   // the last advert was <= 1 interval before
}

TEST_CASE("the master stops gracefully: the backup takes over after its skew time", "[unit]") {
  Lan lan(150, 100, 1000ms);
  lan.start(t0);
  lan.run_until(t0 + 10s);
  const TimePoint stop = t0 + 10s + 300ms;
  lan.run_until(stop);
  lan.became_master[1].reset();
  const Actions a = lan.router(0).machine.on_shutdown(stop);
  REQUIRE(a.send);
  lan.router(1).machine.on_advert(*a.send, lan.router(0).address, stop + kDelay);
  lan.run_until(stop + 10s);
  REQUIRE(lan.became_master[1]);
  CHECK(*lan.became_master[1] - stop == kDelay + lan.router(1).machine.skew_time());
}

TEST_CASE("a split brain: both master while cut, one master an interval after it heals", "[unit]") {
  Lan lan(150, 100, 100ms);
  lan.start(t0);
  lan.run_until(t0 + 2s);
  lan.cut_ = true;
  lan.run_until(t0 + 4s);
  CHECK(lan.masters() == 2);
  lan.cut_ = false;
  lan.run_until(t0 + 4s + 100ms + 2 * kDelay);
  CHECK(lan.masters() == 1);
  CHECK(lan.router(0).machine.state() == State::master);
}

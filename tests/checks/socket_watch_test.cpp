// SocketWatch on a socket pair: readiness, deadlines, and which wins when both
// are there at the same look. A socket pair, not a mock: the watch's epoll set
// sees a real socket.
#include "checks/probes/socket_watch.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <catch2/catch.hpp>

#include "checks/core/schedule.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;

namespace {

struct Pair {
  UniqueFd ours, theirs;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    ours = UniqueFd(fds[0]);
    theirs = UniqueFd(fds[1]);
  }
};

// Ends its watch at the first readiness, as a probe that read its answer does.
struct Recorder final : SocketWatcher {
  explicit Recorder(SocketWatch& w) : socket(w) {}
  void on_ready(std::uint32_t events, TimePoint) override {
    ++ready;
    last_events = events;
    socket.close();
  }
  void on_deadline(TimePoint now) override {
    ++deadlines;
    at = now;
    socket.deadline_passed();
    socket.close();
  }
  WatchedSocket socket;
  int ready = 0, deadlines = 0;
  std::uint32_t last_events = 0;
  TimePoint at{};
};

}  // namespace

TEST_CASE("socket watch: readiness is reported, and the deadline when nothing comes", "[probe]") {
  asio::io_context io;
  auto& watch = asio::use_service<SocketWatch>(io);
  Pair quiet, talker;
  auto silent = std::make_shared<Recorder>(watch);
  auto answered = std::make_shared<Recorder>(watch);
  silent->socket.attach(std::move(quiet.ours));
  answered->socket.attach(std::move(talker.ours));
  const TimePoint t0 = Clock::now();
  REQUIRE_FALSE(silent->socket.wait_for(EPOLLIN, t0 + 50ms, t0, silent));
  REQUIRE_FALSE(answered->socket.wait_for(EPOLLIN, t0 + 50ms, t0, answered));
  REQUIRE(::write(talker.theirs.get(), "x", 1) == 1);
  io.run_for(300ms);
  CHECK(answered->ready == 1);
  CHECK(answered->deadlines == 0);
  CHECK((answered->last_events & EPOLLIN) != 0);
  CHECK(silent->ready == 0);
  CHECK(silent->deadlines == 1);
  CHECK(silent->at - t0 >= 50ms);
  CHECK(silent->at - t0 < 50ms + 3 * kLoopQuantum);
  CHECK(io.stopped());  // nothing left to look at: the loop went idle
}

TEST_CASE("socket watch: an answer already in wins over a deadline passed at the same look", "[probe]") {
  asio::io_context io;
  auto& watch = asio::use_service<SocketWatch>(io);
  Pair pair;
  auto r = std::make_shared<Recorder>(watch);
  r->socket.attach(std::move(pair.ours));
  const TimePoint t0 = Clock::now();
  REQUIRE_FALSE(r->socket.wait_for(EPOLLIN, t0 + 10ms, t0, r));
  REQUIRE(::write(pair.theirs.get(), "x", 1) == 1);
  std::this_thread::sleep_for(40ms);  // the loop looks only after the deadline
  io.run_for(200ms);
  CHECK(r->ready == 1);
  CHECK(r->deadlines == 0);
}

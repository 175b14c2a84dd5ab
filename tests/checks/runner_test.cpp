// CheckRunner with real listeners: de-duplication across services, AND of
// several checks, transitions as events, the concurrency cap without schedule
// skew, removal, and a throwing observer. Assertions are on events and due
// times (the schedule's grid), never on measured durations.
#include "checks/runner/runner.hpp"

#include <map>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/checks/support.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using namespace tandem::checks::test;

namespace {

CheckDefinition tcp_check(Duration interval = 100ms) {
  CheckDefinition d;
  d.interval = interval;
  d.timeout = 100ms;
  d.rise = 1;
  d.fall = 1;
  return d;
}

// Runs `io` until `done()` or a bound of 10 s.
template <class Pred>
void run_until(asio::io_context& io, Pred done) {
  io.restart();
  const auto limit = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < limit) io.run_one_for(50ms);
}

}  // namespace

TEST_CASE("runner: identical checks of one real server run once for every service", "[probe]") {
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {Behaviour::silent});
  std::vector<ServerTransition> events;
  std::size_t runs = 0;
  CheckRunner runner(io, multi, {16, [&](const ServerTransition& t) { events.push_back(t); },
                                 [&](const ProbeRun&) { ++runs; }});
  const auto d = tcp_check();
  REQUIRE_FALSE(runner.add_server(1, server.endpoint(), {d}));  // service "web"
  REQUIRE_FALSE(runner.add_server(2, server.endpoint(), {d}));  // service "web-tls", same real and check
  auto other = d;
  other.timeout = 150ms;
  REQUIRE_FALSE(runner.add_server(3, server.endpoint(), {other}));  // a different check
  CHECK(runner.checks_running() == 2);
  runner.start();
  run_until(io, [&] { return runs >= 10; });
  // Every run of the shared check fed both servers: both came up once.
  REQUIRE(events.size() == 3);
  std::map<ServerId, int> ups;
  for (const auto& e : events) {
    CHECK(e.from == Health::down);
    CHECK(e.to == Health::up);
    CHECK(e.real == server.endpoint());
    CHECK(e.reason == "connected");
    ++ups[e.server];
  }
  CHECK(ups == std::map<ServerId, int>{{1, 1}, {2, 1}, {3, 1}});
  // Two distinct checks ran, so the server saw about as many connections as runs.
  CHECK(server.accepted() <= runs + 2);

  runner.remove_server(1);
  CHECK(runner.checks_running() == 2);  // server 2 still uses it
  runner.remove_server(2);
  CHECK(runner.checks_running() == 1);
}

TEST_CASE("runner: a server is up only while all its checks pass; transitions carry the reason",
          "[probe]") {
  asio::io_context io;
  CurlMulti multi(io);
  auto listener = std::make_unique<TestServer>(io, ServerOptions{Behaviour::silent});
  const Endpoint real = listener->endpoint();
  ServerOptions bad_http;
  bad_http.reply = "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
  TestServer health(io, bad_http);

  std::vector<ServerTransition> events;
  CheckRunner runner(io, multi, {16, [&](const ServerTransition& t) { events.push_back(t); }, {}});
  auto http = tcp_check();
  http.kind = CheckKind::http;
  http.connect_port = health.endpoint().port;
  std::size_t runs = 0;
  REQUIRE_FALSE(runner.add_server(7, real, {tcp_check(), http}));
  runner.start();
  run_until(io, [&] { return runner.checks_running() == 2 && (++runs, runs > 40); });
  CHECK(events.empty());  // tcp passes, http says 503: down throughout
  CHECK(runner.health(7) == Health::down);

  // A server whose only check is server 7's (passing) tcp check starts up at
  // once, then goes down when the port closes; server 7 was down already.
  REQUIRE_FALSE(runner.add_server(8, real, {tcp_check()}));
  CHECK(runner.checks_running() == 2);
  CHECK(runner.health(8) == Health::up);
  // Close the port between probes: a probe whose handshake the kernel had
  // completed when the listener closes sees a reset, not a refusal.
  run_until(io, [&] { return runner.in_flight() == 0; });
  listener.reset();
  run_until(io, [&] { return !events.empty(); });
  REQUIRE(events.size() == 1);
  CHECK(events[0].server == 8);
  CHECK(events[0].real == real);
  CHECK(events[0].from == Health::up);
  CHECK(events[0].to == Health::down);
  CHECK(events[0].reason == "connect refused");
}

TEST_CASE("runner: the concurrency cap queues probes without skewing their schedule", "[probe]") {
  asio::io_context io;
  CurlMulti multi(io);
  FullBacklogListener hole;  // every probe takes its whole timeout
  struct Run {
    TimePoint due, started, finished;
  };
  std::map<std::uint16_t, std::vector<Run>> runs;  // by real server port
  std::size_t total = 0, max_in_flight = 0;
  CheckRunner* self = nullptr;
  CheckRunner runner(io, multi, {4, {}, [&](const ProbeRun& r) {
                                   runs[r.real.port].push_back({r.due, r.started, r.finished});
                                   ++total;
                                   max_in_flight = std::max(max_in_flight, self->in_flight() + 1);
                                 }});
  self = &runner;
  // 12 checks of 200 ms each every 500 ms need 4.8 slots; with 4, some must wait.
  for (std::uint16_t i = 0; i < 12; ++i) {
    auto d = tcp_check(500ms);
    d.timeout = 200ms;
    d.connect_address = hole.endpoint().address;
    d.connect_port = hole.endpoint().port;
    d.source_address = IpAddress::v4({127, 0, 0, static_cast<std::uint8_t>(1 + i)});
    REQUIRE_FALSE(runner.add_server(i, Endpoint{IpAddress::v4({127, 0, 1, 1}), static_cast<std::uint16_t>(1000 + i)},
                                    {d}));
  }
  runner.start();
  run_until(io, [&] { return total >= 48; });
  CHECK(max_in_flight <= 4);
  CHECK(runner.in_flight() <= 4);
  // Runs of one check: due times stay on the grid of its interval even when a
  // run started late because it waited for a slot.
  bool some_waited = false;
  for (const auto& [port, list] : runs) {
    for (std::size_t k = 1; k < list.size(); ++k) {
      const auto step = list[k].due - list[k - 1].due;
      CHECK(step % std::chrono::duration_cast<Clock::duration>(500ms) == Clock::duration::zero());
      CHECK(step > Clock::duration::zero());
    }
    for (const auto& r : list) some_waited = some_waited || r.started - r.due > 50ms;
  }
  CHECK(some_waited);  // the cap did delay starts
}

TEST_CASE("runner: removing a server stops its checks; a throwing observer does not stop others",
          "[probe]") {
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {Behaviour::silent});
  std::size_t runs = 0;
  CheckRunner runner(io, multi, {8, [](const ServerTransition&) { throw std::runtime_error("director bug"); },
                                 [&](const ProbeRun&) {
                                   ++runs;
                                   throw std::runtime_error("observer bug");
                                 }});
  REQUIRE_FALSE(runner.add_server(1, server.endpoint(), {tcp_check(50ms)}));
  runner.start();
  run_until(io, [&] { return runs >= 5; });
  CHECK(runs >= 5);
  CHECK(runner.health(1) == Health::up);
  runner.remove_server(1);
  CHECK(runner.checks_running() == 0);
  const std::size_t after = runs;
  io.restart();
  io.run_for(200ms);
  CHECK(runs == after);
  CHECK_FALSE(runner.health(1).has_value());
}

TEST_CASE("runner: a check that cannot be built adds nothing", "[unit]") {
  asio::io_context io;
  CurlMulti multi(io);
  CheckRunner runner(io, multi, {});
  auto bad = tcp_check();
  bad.kind = CheckKind::http;
  bad.body_regex = "(";
  CHECK(runner.add_server(1, Endpoint{}, {tcp_check(), bad}) == checks::make_error_code(checks::errc::bad_body_regex));
  CHECK(runner.checks_running() == 0);
  CHECK_FALSE(runner.health(1).has_value());
}

TEST_CASE("runner: after stop() the loop runs out of work, so the daemon can exit", "[probe]") {
  // The daemon ends when io_context::run() returns: nothing the checks
  // started (timers, looks at probe sockets, curl's timer) may outlive stop().
  asio::io_context io;
  CurlMulti multi(io);
  auto silent = std::make_unique<TestServer>(io, ServerOptions{Behaviour::silent});
  const Endpoint up = silent->endpoint();
  FullBacklogListener hole;
  const Endpoint refused{IpAddress::v4({127, 0, 0, 1}), closed_port()};
  std::size_t runs = 0;
  CheckRunner runner(io, multi, {64, {}, [&](const ProbeRun&) { ++runs; }});
  auto tcp = tcp_check(20ms);
  tcp.timeout = 1s;
  auto http = tcp;
  http.kind = CheckKind::http;
  ServerId id = 0;
  for (int i = 0; i < 20; ++i) {
    REQUIRE_FALSE(runner.add_server(id++, up, {tcp}));
    REQUIRE_FALSE(runner.add_server(id++, refused, {tcp}));
    REQUIRE_FALSE(runner.add_server(id++, hole.endpoint(), {tcp}));  // connects in progress at stop()
    REQUIRE_FALSE(runner.add_server(id++, up, {http}));  // transfers in flight at stop()
    tcp.interval += 1ms;  // distinct definitions: 80 instances, not 4
    http.interval += 1ms;
  }
  runner.start();
  run_until(io, [&] { return runs >= 200; });
  REQUIRE(runs >= 200);
  runner.stop();
  silent.reset();  // the test's own listener waits too; with it gone, run()
                   // must return at once, not after a connect timeout or never

  io.restart();
  const auto t0 = Clock::now();
  std::thread guard([&] {
    // A hang would block the test forever: stop the loop after 5 s and fail.
    for (int i = 0; i < 50 && !io.stopped(); ++i) std::this_thread::sleep_for(100ms);
    io.stop();
  });
  io.run();
  const auto took = Clock::now() - t0;
  guard.join();
  CHECK(took < 500ms);
}

// TcpProbe against real loopback listeners: success, refused, blackholed SYN,
// send/expect, source address, connect-port override, and no fd leaks.
#include "checks/probes/tcp_probe.hpp"

#include <optional>

#include <catch2/catch.hpp>

#include "tests/checks/support.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using namespace tandem::checks::test;

namespace {
ProbeResult tcp(asio::io_context& io, const CheckDefinition& d, const Endpoint& target) {
  return run_probe(io, std::make_shared<TcpProbe>(io, d, target));
}

// A probe started at `t0` whose verdict and its arrival time are kept.
struct TimedVerdict {
  std::optional<ProbeResult> verdict;
  Clock::time_point at{};
};
std::shared_ptr<TcpProbe> start_timed(asio::io_context& io, const CheckDefinition& d, const Endpoint& target,
                                      Clock::time_point t0, TimedVerdict& out) {
  auto p = std::make_shared<TcpProbe>(io, d, target);
  p->start(t0, [&out](ProbeResult r) {
    out.verdict = std::move(r);
    out.at = Clock::now();
  });
  return p;
}
}  // namespace

TEST_CASE("tcp: a listening port is up", "[probe]") {
  asio::io_context io;
  TestServer server(io, {Behaviour::silent});
  CheckDefinition d;
  const auto r = tcp(io, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "connected");
}

TEST_CASE("tcp: a closed port is 'connect refused'", "[probe]") {
  asio::io_context io;
  CheckDefinition d;
  const auto r = tcp(io, d, Endpoint{IpAddress::v4({127, 0, 0, 1}), closed_port()});
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "connect refused");
}

TEST_CASE("tcp: blackholed SYNs give 'connect timeout after N ms'", "[probe]") {
  asio::io_context io;
  FullBacklogListener hole;
  CheckDefinition d;
  d.timeout = 300ms;
  const auto r = tcp(io, d, hole.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "connect timeout after 300 ms");
}

TEST_CASE("tcp: a connect times out on time among connects that finish first", "[probe]") {
  // The ConnectPoller keeps one timer for the earliest deadline and leaves
  // finished connects' deadlines in its queue: a bug there would fire late
  // (at a stale entry's time plus nothing re-armed) or never.
  asio::io_context io;
  FullBacklogListener hole;
  TestServer server(io, {Behaviour::silent});
  CheckDefinition slow;
  slow.timeout = 400ms;
  CheckDefinition quick;
  quick.timeout = 100ms;  // earlier deadlines than the hole's, all finished long before
  TimedVerdict v;
  const auto t0 = Clock::now();
  auto p = start_timed(io, slow, hole.endpoint(), t0, v);
  for (int i = 0; i < 20; ++i) CHECK(tcp(io, quick, server.endpoint()).ok);
  io.restart();
  while (!v.verdict && Clock::now() < t0 + 5s) io.run_one_for(100ms);
  REQUIRE(v.verdict);
  CHECK(v.verdict->reason == "connect timeout after 400 ms");
  CHECK(v.at - t0 >= 400ms);
  CHECK(v.at - t0 < 1500ms);  // slack for a loaded machine, far below a missed re-arm
}

TEST_CASE("tcp: a handshake still in progress at the first look completes later", "[probe]") {
  // The poller asks fresh connects with one poll() at its next look; one
  // still in progress then (here: its SYN was dropped, and the kernel
  // retransmits it after about 1 s, when the queue has room) must be
  // followed through the epoll set to its end.
  asio::io_context io;
  FullBacklogListener hole;
  CheckDefinition d;
  d.timeout = 4s;
  TimedVerdict v;
  const auto t0 = Clock::now();
  auto p = start_timed(io, d, hole.endpoint(), t0, v);
  io.run_for(100ms);  // several looks: the connect is in the set by now
  REQUIRE_FALSE(v.verdict);
  hole.make_room();
  while (!v.verdict && Clock::now() < t0 + 6s) io.run_one_for(100ms);
  REQUIRE(v.verdict);
  CHECK(v.verdict->ok);
  CHECK(v.verdict->reason == "connected");
  CHECK(v.at - t0 >= 500ms);  // the retransmitted SYN, not the first one
  CHECK(v.at - t0 < 3500ms);
}

TEST_CASE("tcp: send/expect checks the reply prefix", "[probe]") {
  asio::io_context io;
  ServerOptions o;
  o.behaviour = Behaviour::garbage;  // answers at once with `reply`, whatever was sent
  o.reply = "+PONG\r\n";
  TestServer server(io, o);
  CheckDefinition d;
  d.send = "PING\r\n";
  d.expect = "+PONG";
  auto r = tcp(io, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "reply matched");

  d.expect = "+OK";
  r = tcp(io, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "reply \"+PO\" did not start with \"+OK\"");  // reads expect.size() bytes at most
}

TEST_CASE("tcp: a server that never answers gives 'no reply within N ms'", "[probe]") {
  asio::io_context io;
  TestServer server(io, {Behaviour::silent});
  CheckDefinition d;
  d.timeout = 200ms;
  d.send = "PING\r\n";
  d.expect = "+PONG";
  const auto r = tcp(io, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "no reply within 200 ms");
}

TEST_CASE("tcp: a server that closes before replying", "[probe]") {
  asio::io_context io;
  TestServer server(io, {Behaviour::close_at_once});
  CheckDefinition d;
  d.send = "PING\r\n";
  d.expect = "+PONG";
  const auto r = tcp(io, d, server.endpoint());
  CHECK_FALSE(r.ok);
  // Depending on when the close lands, the send or the read sees it.
  CHECK((r.reason == "connection closed after 0 reply bytes" || r.reason == "connection reset by peer"));
}

TEST_CASE("tcp: a reply in pieces, and one cut short", "[probe]") {
  asio::io_context io;
  CheckDefinition d;
  d.send = "PING\r\n";
  d.expect = "+PONG";
  {
    ServerOptions o;
    o.behaviour = Behaviour::drip;  // one byte per 20 ms: several looks, several reads
    o.drip_period = 20ms;
    o.reply = "+PONG\r\n";
    TestServer server(io, o);
    const auto r = tcp(io, d, server.endpoint());
    CHECK(r.reason == "reply matched");
  }
  {
    ServerOptions o;  // http_reply: reads the request head (up to a blank line), answers, closes
    o.reply = "+PO";
    TestServer server(io, o);
    d.send = "PING\r\n\r\n";
    const auto r = tcp(io, d, server.endpoint());
    CHECK(r.reason == "connection closed after 3 reply bytes");
  }
}

TEST_CASE("tcp: source address and connect port override", "[probe]") {
  asio::io_context io;
  TestServer health(io, {Behaviour::silent});
  CheckDefinition d;
  d.source_address = IpAddress::parse("127.0.0.2");
  d.connect_port = health.endpoint().port;
  // The served port is closed; the check goes to the health port instead.
  const Endpoint real{IpAddress::v4({127, 0, 0, 1}), closed_port()};
  const auto r = tcp(io, d, probe_target(d, real));
  CHECK(r.ok);

  d.source_address = IpAddress::parse("192.0.2.77");  // not an address of this host
  const auto bad = tcp(io, d, probe_target(d, real));
  CHECK_FALSE(bad.ok);
  CHECK(bad.reason == "cannot bind source address 192.0.2.77: Cannot assign requested address");
}

TEST_CASE("tcp: cancel completes once with 'cancelled'", "[probe]") {
  asio::io_context io;
  FullBacklogListener hole;
  CheckDefinition d;
  d.timeout = 5s;
  auto p = std::make_shared<TcpProbe>(io, d, hole.endpoint());
  int calls = 0;
  std::string why;
  p->start([&](ProbeResult r) {
    ++calls;
    why = r.reason;
  });
  io.run_for(20ms);
  p->cancel();
  p->cancel();
  io.run_for(50ms);
  CHECK(calls == 1);
  CHECK(why == "cancelled");
}

TEST_CASE("tcp: thousands of probes leak no file descriptors", "[probe]") {
  asio::io_context io;
  TestServer server(io, {Behaviour::silent});
  CheckDefinition d;
  const Endpoint refused{IpAddress::v4({127, 0, 0, 1}), closed_port()};
  // Warm up lazily created fds (epoll sets, eventfd) before counting, and let
  // the test server see each probe's close (it holds a connection until EOF,
  // and a verdict can arrive before the server has even accepted).
  const auto settle = [&io] {
    io.restart();
    io.run_for(100ms);
  };
  tcp(io, d, server.endpoint());
  settle();
  ServerOptions o;
  o.behaviour = Behaviour::garbage;  // answers "+PONG" at once
  o.reply = "+PONG\r\n";
  TestServer pong(io, o);
  CheckDefinition exchange;
  exchange.send = "PING\r\n";
  const std::size_t before = open_fds();
  int ok = 0, failed = 0;
  for (int i = 0; i < 2000; ++i) {
    // connected, refused, reply matched, reply mismatch
    exchange.expect = i % 4 == 2 ? "+PONG" : "-ERR";
    const auto r = i % 4 < 2 ? tcp(io, d, i % 4 ? server.endpoint() : refused) : tcp(io, exchange, pong.endpoint());
    (r.ok ? ok : failed)++;
  }
  CHECK(ok == 1000);
  CHECK(failed == 1000);
  settle();
  CHECK(open_fds() == before);
}

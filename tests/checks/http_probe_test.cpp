// Both http clients against real loopback listeners: tandem's own
// (PlainHttpProbe, which serves plain http checks) and libcurl (HttpProbe,
// which serves https and http with connection reuse; run here over plain http
// so every hostile case is checked against it too). Request shape, status
// lists, body regex and digest, the body cap, body framings, and one test per
// hostile behaviour with its exact reason, the same for both. The listeners
// run on the same io_context as the probes, so a probe that blocked the loop
// would also stall its server.
#include "checks/probes/http_probe.hpp"
#include "checks/probes/plain_http_probe.hpp"

#include <map>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/checks/support.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using namespace tandem::checks::test;

namespace {

CheckDefinition http_check() {
  CheckDefinition d;
  d.kind = CheckKind::http;
  d.timeout = 1000ms;
  return d;
}

enum class Client { own, curl };

std::shared_ptr<Probe> http_probe(Client client, asio::io_context& io, CurlMulti& multi, const CheckDefinition& d,
                                  const Endpoint& real) {
  if (client == Client::own) {
    auto plan = PlainHttpPlan::make(d, real);
    REQUIRE(plan);
    return std::make_shared<PlainHttpProbe>(io, plan.value());
  }
  auto plan = HttpPlan::make(d, real);
  REQUIRE(plan);
  return std::make_shared<HttpProbe>(io, multi, plan.value());
}

ProbeResult http(Client client, asio::io_context& io, CurlMulti& multi, const CheckDefinition& d,
                 const Endpoint& real) {
  return run_probe(io, http_probe(client, io, multi, d, real));
}

// Runs the test case once per client, saying which in a failure's report.
#define FOR_EACH_CLIENT                                               \
  const Client client = GENERATE(Client::own, Client::curl);          \
  INFO((client == Client::own ? "own client" : "libcurl client"))

ServerOptions reply(std::string text) {
  ServerOptions o;
  o.reply = std::move(text);
  return o;
}

}  // namespace

TEST_CASE("http: 200 is up and the request carries method, path, Host and headers", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {});
  auto d = http_check();
  d.method = "POST";
  d.path = "/healthz?deep=1";
  d.host = "www.example.test";
  d.headers.emplace("X-Probe", "tandem");
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "HTTP 200");
  REQUIRE(server.requests().size() == 1);
  const std::string& req = server.requests().front();
  CHECK(req.rfind("POST /healthz?deep=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(req.find("\r\nHost: www.example.test\r\n") != std::string::npos);
  CHECK(req.find("\r\nX-Probe: tandem\r\n") != std::string::npos);
  CHECK(req.find("\r\nUser-Agent: tandem-health-check\r\n") != std::string::npos);
  if (client == Client::own) {
    CHECK(req.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(req.find("\r\nContent-Length: 0\r\n") != std::string::npos);  // a POST without content says so
  }
}

TEST_CASE("http: unexpected status gives 'HTTP 503 (expected 200)'", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, reply("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
  auto d = http_check();
  auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "HTTP 503 (expected 200)");

  d.expect_status = {{200, 299}, {500, 503}};
  r = http(client, io, multi, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "HTTP 503");

  d.expect_status = {{200, 204}, {301, 302}};
  r = http(client, io, multi, d, server.endpoint());
  CHECK(r.reason == "HTTP 503 (expected 200-204, 301-302)");
}

TEST_CASE("http: body regex and SHA-256 digest", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, reply("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nstatus: bad"));
  auto d = http_check();
  d.body_regex = "ok";
  auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "body did not match /ok/");

  d.body_regex = "status: (ok|bad)";
  CHECK(http(client, io, multi, d, server.endpoint()).ok);

  d.body_regex.clear();
  // sha256("status: bad"), computed with sha256sum
  d.body_sha256 = "0b9a83da9fe6b94f0f8e8bb2bafe5f5fbc3e3fcdcac1e9e9cd6e2f7b6a4e5f1a";
  r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason.rfind("body SHA-256 ", 0) == 0);
  const std::string actual = r.reason.substr(13, 64);
  d.body_sha256 = actual;
  CHECK(http(client, io, multi, d, server.endpoint()).ok);
}

TEST_CASE("http: connection refused and connect timeout", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  auto d = http_check();
  auto r = http(client, io, multi, d, Endpoint{IpAddress::v4({127, 0, 0, 1}), closed_port()});
  CHECK(r.reason == "connect refused");

  FullBacklogListener hole;  // hostile: blackholed SYNs
  d.timeout = 300ms;
  r = http(client, io, multi, d, hole.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "connect timeout after 300 ms");
}

TEST_CASE("http: source address and a health port other than the served one", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer health(io, {});
  auto d = http_check();
  d.source_address = IpAddress::parse("127.0.0.2");
  d.connect_port = health.endpoint().port;
  // The served port is closed; the check goes to the health port instead.
  const Endpoint real{IpAddress::v4({127, 0, 0, 1}), closed_port()};
  CHECK(http(client, io, multi, d, real).reason == "HTTP 200");
  REQUIRE(health.requests().size() == 1);
  CHECK(health.requests().front().find(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", health.endpoint().port)) !=
        std::string::npos);

  d.source_address = IpAddress::parse("192.0.2.77");  // not an address of this host
  const auto r = http(client, io, multi, d, real);
  CHECK_FALSE(r.ok);
  CHECK(r.reason.rfind("cannot bind source address 192.0.2.77: ", 0) == 0);
}

TEST_CASE("http hostile: accept and never answer", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {Behaviour::silent});
  auto d = http_check();
  d.timeout = 300ms;
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "no HTTP response within 300 ms");
}

TEST_CASE("http hostile: drip one byte a second", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  ServerOptions o;
  o.behaviour = Behaviour::drip;
  o.drip_period = 1000ms;
  TestServer server(io, o);
  auto d = http_check();
  d.timeout = 1500ms;
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "no HTTP response within 1500 ms");  // two bytes of the status line arrived
}

TEST_CASE("http hostile: drip headers after a prompt status line", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  ServerOptions o;
  o.behaviour = Behaviour::drip;
  o.drip_period = 2ms;  // the status line arrives, then the headers slow to a crawl
  o.reply = "HTTP/1.1 200 OK\r\nX-Slow: " + std::string(5000, 'a');
  TestServer server(io, o);
  auto d = http_check();
  d.timeout = 300ms;
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "HTTP headers incomplete after 300 ms");
}

TEST_CASE("http hostile: endless body is cut at the cap", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {Behaviour::endless_body});
  auto d = http_check();
  d.max_body_bytes = 100000;
  d.body_regex = "ok";
  auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "body larger than 100000 bytes");

  // Without a body check the status decides and the rest is not read.
  d.body_regex.clear();
  r = http(client, io, multi, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "HTTP 200");
}

TEST_CASE("http hostile: garbage instead of HTTP", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  ServerOptions o;
  o.behaviour = Behaviour::garbage;
  o.reply = "SSH-2.0-OpenSSH_9.2\r\n\x01\x02\x03 not http at all\r\n\r\n";
  TestServer server(io, o);
  auto d = http_check();
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "not an HTTP response");
}

TEST_CASE("http hostile: RST in the middle of the response", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  ServerOptions o;
  o.behaviour = Behaviour::reset_mid_reply;
  o.reply = "HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + std::string(400, 'y');
  TestServer server(io, o);
  auto d = http_check();
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "connection reset by peer");
}

TEST_CASE("http hostile: close in the middle of the body", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"));
  auto d = http_check();
  const auto r = http(client, io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "connection closed mid-body (9 bytes)");
}

TEST_CASE("http: a check opens a new connection every time", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));  // keep-alive
  auto d = http_check();
  for (int i = 0; i < 3; ++i) CHECK(http(client, io, multi, d, server.endpoint()).ok);
  CHECK(server.accepted() == 3);
}

TEST_CASE("http: many probes leak no fds (and curl handles are pooled)", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io, 8);
  TestServer server(io, {});
  TestServer hostile(io, reply("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"));
  auto d = http_check();
  http(client, io, multi, d, server.endpoint());
  io.restart();
  io.run_for(100ms);  // the server side of the warm-up connection closes
  const std::size_t before = open_fds();
  const Endpoint refused{IpAddress::v4({127, 0, 0, 1}), closed_port()};
  // 48 at a time, 1440 in all, on one loop
  int ok = 0, failed = 0, pending = 0;
  std::map<std::string, int> reasons;
  for (int round = 0; round < 30; ++round) {
    std::vector<std::shared_ptr<Probe>> probes;
    for (int i = 0; i < 48; ++i) {
      const Endpoint target = i % 3 == 0 ? server.endpoint() : i % 3 == 1 ? hostile.endpoint() : refused;
      probes.push_back(http_probe(client, io, multi, d, target));
      ++pending;
      probes.back()->start([&](ProbeResult r) {
        (r.ok ? ok : failed)++;
        ++reasons[r.reason];
        --pending;
      });
    }
    io.restart();
    const auto limit = std::chrono::steady_clock::now() + 20s;
    while (pending > 0 && std::chrono::steady_clock::now() < limit) io.run_one_for(100ms);
  }
  for (const auto& [why, n] : reasons) UNSCOPED_INFO(why << ": " << n);
  CHECK(ok == 480);
  CHECK(failed == 960);
  CHECK(reasons["HTTP 500 (expected 200)"] == 480);
  CHECK(reasons["connect refused"] == 480);
  CHECK(multi.in_flight() == 0);
  io.restart();
  io.run_for(100ms);  // let the servers see their clients' closes
  CHECK(multi.pooled() <= 8);
  CHECK(open_fds() == before);
}

TEST_CASE("http: cancel completes once and stops the transfer", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  TestServer server(io, {Behaviour::silent});
  auto d = http_check();
  d.timeout = 5000ms;
  // Warm up: the loop's epoll sets and curl's own descriptors exist from the first probe on.
  http(client, io, multi, d, Endpoint{IpAddress::v4({127, 0, 0, 1}), closed_port()});
  const std::size_t before = open_fds();
  auto p = http_probe(client, io, multi, d, server.endpoint());
  int calls = 0;
  std::string why;
  p->start([&](ProbeResult r) {
    ++calls;
    why = r.reason;
  });
  io.run_for(50ms);
  p->cancel();
  p->cancel();
  io.run_for(50ms);
  CHECK(calls == 1);
  CHECK(why == "cancelled");
  CHECK(multi.in_flight() == 0);
  CHECK(open_fds() == before);  // ours closed, and the server closed its side on seeing that
}

TEST_CASE("http: chunked, close-delimited and bodiless responses", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  auto d = http_check();
  d.body_regex = "^all ok$";
  {
    TestServer chunked(io, reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3;ext=1\r\nall\r\n3\r\n ok\r\n0\r\nX-Trailer: t\r\n\r\n"));
    const auto r = http(client, io, multi, d, chunked.endpoint());
    CHECK(r.reason == "HTTP 200");
  }
  {
    TestServer until_close(io, reply("HTTP/1.0 200 OK\r\n\r\nall ok"));
    CHECK(http(client, io, multi, d, until_close.endpoint()).reason == "HTTP 200");
  }
  {
    TestServer interim(io, reply("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok"));
    CHECK(http(client, io, multi, d, interim.endpoint()).reason == "HTTP 200");
  }
  d.body_regex.clear();
  {
    // HEAD: the length describes the body a GET would get; none follows.
    ServerOptions o = reply("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    o.behaviour = Behaviour::garbage;  // writes the reply and keeps the connection open
    TestServer server(io, o);
    d.method = "HEAD";
    d.timeout = 2000ms;
    const auto r = http(client, io, multi, d, server.endpoint());
    CHECK(r.reason == "HTTP 200");
  }
}

TEST_CASE("http: a response that ends early or breaks its framing", "[probe]") {
  FOR_EACH_CLIENT;
  asio::io_context io;
  CurlMulti multi(io);
  auto d = http_check();
  {
    TestServer nothing(io, {Behaviour::close_at_once});
    CHECK(http(client, io, multi, d, nothing.endpoint()).reason == "connection closed without an HTTP response");
  }
  {
    TestServer bad_chunk(io, reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
    const auto r = http(client, io, multi, d, bad_chunk.endpoint());
    CHECK_FALSE(r.ok);
    INFO(r.reason);
    if (client == Client::own) CHECK(r.reason == "malformed chunked body: bad chunk size");
  }
  {
    // Endless headers: the own client stops at 64 KiB, libcurl at its own limit (100 KiB).
    TestServer huge(io, reply("HTTP/1.1 200 OK\r\n" + std::string(200000, 'h')));
    const auto r = http(client, io, multi, d, huge.endpoint());
    CHECK_FALSE(r.ok);
    INFO(r.reason);
    if (client == Client::own) CHECK(r.reason == "HTTP headers larger than 65536 bytes");
  }
}

TEST_CASE("http: plans reject a bad regex and a malformed digest", "[unit]") {
  auto d = http_check();
  d.body_regex = "(unclosed";
  CHECK(HttpPlan::make(d, Endpoint{}).error() == checks::make_error_code(checks::errc::bad_body_regex));
  CHECK(PlainHttpPlan::make(d, Endpoint{}).error() == checks::make_error_code(checks::errc::bad_body_regex));
  d.body_regex.clear();
  d.body_sha256 = "ABC";
  CHECK(HttpPlan::make(d, Endpoint{}).error() == checks::make_error_code(checks::errc::bad_body_digest));
  CHECK(PlainHttpPlan::make(d, Endpoint{}).error() == checks::make_error_code(checks::errc::bad_body_digest));
}

TEST_CASE("http: the own client serves plain http without reuse; libcurl the rest", "[unit]") {
  auto d = http_check();
  CHECK(PlainHttpPlan::serves(d));
  d.reuse_connection = true;
  CHECK_FALSE(PlainHttpPlan::serves(d));
  CHECK(PlainHttpPlan::make(d, Endpoint{}).error() == checks::make_error_code(checks::errc::not_http));
  d.reuse_connection = false;
  d.kind = CheckKind::https;
  CHECK_FALSE(PlainHttpPlan::serves(d));
}

// http_request_text: the exact bytes of the own client's request. Pure.
#include "checks/core/http_request.hpp"

#include <catch2/catch.hpp>

using namespace tandem;
using namespace tandem::checks;

namespace {

CheckDefinition http_check() {
  CheckDefinition d;
  d.kind = CheckKind::http;
  return d;
}

}  // namespace

TEST_CASE("http request: defaults, for IPv4 and IPv6 targets", "[unit]") {
  const auto d = http_check();
  CHECK(http_request_text(d, Endpoint{IpAddress::v4({10, 0, 0, 1}), 8080}) ==
        "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: tandem-health-check\r\nAccept: */*\r\n"
        "Connection: close\r\n\r\n");
  const auto v6 = IpAddress::parse("2001:db8::5");
  REQUIRE(v6);
  CHECK(http_request_text(d, Endpoint{*v6, 80}).rfind("GET / HTTP/1.1\r\nHost: [2001:db8::5]\r\n", 0) == 0);
}

TEST_CASE("http request: method, path, host, and configured headers take precedence", "[unit]") {
  auto d = http_check();
  d.method = "PUT";
  d.path = "/ready?x=1";
  d.host = "app.example.test";
  d.headers = {{"connection", "keep-alive"}, {"X-Check", "1"}};
  CHECK(http_request_text(d, Endpoint{IpAddress::v4({10, 0, 0, 1}), 80}) ==
        "PUT /ready?x=1 HTTP/1.1\r\nHost: app.example.test\r\nUser-Agent: tandem-health-check\r\nAccept: */*\r\n"
        "Content-Length: 0\r\nX-Check: 1\r\nconnection: keep-alive\r\n\r\n");
  d.method = "HEAD";
  d.headers = {{"Host", "other"}, {"User-Agent", "probe/2"}};
  CHECK(http_request_text(d, Endpoint{IpAddress::v4({10, 0, 0, 1}), 80}) ==
        "HEAD /ready?x=1 HTTP/1.1\r\nAccept: */*\r\nConnection: close\r\nHost: other\r\nUser-Agent: probe/2\r\n\r\n");
}

// Text helpers and the probe target of CheckDefinition.
#include "checks/core/check_definition.hpp"

#include <catch2/catch.hpp>

using namespace tandem;
using namespace tandem::checks;

TEST_CASE("the probe target defaults to the real server and takes overrides", "[unit]") {
  const Endpoint real = *Endpoint::parse("10.0.1.11:8080");
  CheckDefinition d;
  CHECK(probe_target(d, real) == real);
  d.connect_port = 9000;
  CHECK(probe_target(d, real) == *Endpoint::parse("10.0.1.11:9000"));
  d.connect_address = IpAddress::parse("10.0.2.1");
  CHECK(probe_target(d, real) == *Endpoint::parse("10.0.2.1:9000"));
}

TEST_CASE("status lists print as lists and ranges", "[unit]") {
  CHECK(format_status_list({{200, 200}}) == "200");
  CHECK(format_status_list({{200, 299}}) == "200-299");
  CHECK(format_status_list({{200, 200}, {301, 302}}) == "200, 301-302");
}

TEST_CASE("identical definitions compare equal, any knob makes them differ", "[unit]") {
  CheckDefinition a, b;
  CHECK(a == b);
  b.headers.emplace("X-Probe", std::string(1, '1'));
  CHECK(a != b);
}

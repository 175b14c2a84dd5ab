#include "director/policy/manual_overrides.hpp"

#include <catch2/catch.hpp>

using namespace tandem;
using namespace tandem::director::policy;

TEST_CASE("manual overrides round-trip through their file format", "[unit]") {
  ManualOverrides o;
  o[{"web", *Endpoint::parse("10.0.1.11:8080")}] = {true, std::nullopt};
  o[{"web", *Endpoint::parse("[2001:db8::2]:80")}] = {false, 50};
  o[{"api", *Endpoint::parse("10.0.2.1:80")}] = {true, 0};
  const std::string text = format_manual_overrides(o);
  CHECK(text ==
        "# tandem manual overrides, format 1\n"
        "drain api 10.0.2.1:80\n"
        "weight api 10.0.2.1:80 0\n"
        "drain web 10.0.1.11:8080\n"
        "weight web [2001:db8::2]:80 50\n");
  CHECK(parse_manual_overrides(text) == o);
}

TEST_CASE("a malformed override file names its bad line", "[unit]") {
  std::size_t bad = 0;
  CHECK_FALSE(parse_manual_overrides("# ok\ndrain web 10.0.1.1:80\nweight web 10.0.1.1:80 x\n", &bad));
  CHECK(bad == 3);
  CHECK_FALSE(parse_manual_overrides("explode web 10.0.1.1:80\n", &bad));
  CHECK(bad == 1);
  CHECK_FALSE(parse_manual_overrides("weight web 10.0.1.1:80 70000\n", &bad));
  CHECK(parse_manual_overrides("")->empty());
}

#include "common/ip_address.hpp"

#include <catch2/catch.hpp>

using tandem::Endpoint;
using tandem::IpAddress;
using tandem::Prefix;

TEST_CASE("IPv4 and IPv6 addresses parse and print back", "[unit]") {
  for (const char* text : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "::",
                           "fe80::1:2:3:4"}) {
    auto a = IpAddress::parse(text);
    REQUIRE(a);
    CHECK(a->to_string() == text);
  }
  CHECK(IpAddress::parse("192.0.2.1")->is_v4());
  CHECK_FALSE(IpAddress::parse("2001:db8::1")->is_v4());
  CHECK(IpAddress::parse("192.0.2.1")->v4_value() == 0xc0000201u);
}

TEST_CASE("malformed addresses are rejected", "[unit]") {
  for (const char* text : {"", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8:::1", "[::1]", "abc",
                           "192.0.2.1 ", " 192.0.2.1", "::ffff:1.2.3"}) {
    CHECK_FALSE(IpAddress::parse(text));
  }
}

TEST_CASE("endpoints need a port unless it is optional", "[unit]") {
  auto e = Endpoint::parse("192.0.2.1:80");
  REQUIRE(e);
  CHECK(e->port == 80);
  CHECK(e->to_string() == "192.0.2.1:80");
  auto v6 = Endpoint::parse("[2001:db8::1]:8080");
  REQUIRE(v6);
  CHECK(v6->port == 8080);
  CHECK(v6->to_string() == "[2001:db8::1]:8080");
  CHECK_FALSE(Endpoint::parse("192.0.2.1"));
  CHECK_FALSE(Endpoint::parse("2001:db8::1"));
  CHECK_FALSE(Endpoint::parse("192.0.2.1:65536"));
  CHECK_FALSE(Endpoint::parse("192.0.2.1:"));
  CHECK_FALSE(Endpoint::parse("192.0.2.1:-1"));
  CHECK_FALSE(Endpoint::parse("[192.0.2.1]:80"));
  CHECK_FALSE(Endpoint::parse("[2001:db8::1]80"));
  CHECK(Endpoint::parse("192.0.2.1", true)->port == 0);
  CHECK(Endpoint::parse("2001:db8::1", true)->address.to_string() == "2001:db8::1");
  CHECK(Endpoint::parse("[2001:db8::1]", true));
}

TEST_CASE("prefixes default to a host route and check the length", "[unit]") {
  CHECK(Prefix::parse("192.0.2.100/24")->length == 24);
  CHECK(Prefix::parse("192.0.2.100")->length == 32);
  CHECK(Prefix::parse("2001:db8::1")->length == 128);
  CHECK(Prefix::parse("2001:db8::1/64")->to_string() == "2001:db8::1/64");
  CHECK_FALSE(Prefix::parse("192.0.2.100/33"));
  CHECK_FALSE(Prefix::parse("192.0.2.100/"));
  CHECK_FALSE(Prefix::parse("192.0.2.100/x"));
}

TEST_CASE("masking clears host bits", "[unit]") {
  CHECK(IpAddress::parse("192.0.2.77")->masked(24).to_string() == "192.0.2.0");
  CHECK(IpAddress::parse("2001:db8::ff")->masked(120).to_string() == "2001:db8::");
}

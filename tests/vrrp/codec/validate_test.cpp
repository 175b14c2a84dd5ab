// The receive checks of RFC 5798 7.1 that depend on the instance's config.
#include <catch2/catch.hpp>

#include "vrrp/codec/errc.hpp"
#include "vrrp/codec/validate.hpp"

namespace tandem::vrrp {
namespace {

const IpAddress kPeer = IpAddress::v4({10, 99, 0, 3});
const IpAddress kVip1 = IpAddress::v4({10, 99, 0, 100});
const IpAddress kVip2 = IpAddress::v4({10, 99, 0, 101});

Received good() {
  Received r;
  r.source = kPeer;
  r.destination = kMulticastGroup;
  r.ttl = 255;
  r.advert.version = Version::v3;
  r.advert.vrid = 51;
  r.advert.priority = 100;
  r.advert.interval = Duration{1000};
  r.advert.addresses = {kVip1, kVip2};
  return r;
}

Expectations ours() {
  Expectations e;
  e.version = Version::v3;
  e.vrid = 51;
  e.interval = Duration{1000};
  e.addresses = {kVip2, kVip1};   // order does not matter
  return e;
}

TEST_CASE("a packet that passes every check") { CHECK(validate(good(), ours()) == std::error_code{}); }

TEST_CASE("TTL must be 255") {
  Received r = good();
  r.ttl = 254;
  CHECK(validate(r, ours()) == errc::wrong_ttl);
}

TEST_CASE("another VRID is not ours") {
  Received r = good();
  r.advert.vrid = 52;
  CHECK(validate(r, ours()) == errc::other_vrid);
}

TEST_CASE("the address owner acts on no advert for its VRID") {
  Expectations e = ours();
  e.we_are_owner = true;
  CHECK(validate(good(), e) == errc::we_are_owner);
}

TEST_CASE("multicast instances accept only 224.0.0.18; unicast ones only their peers") {
  Received r = good();
  r.destination = IpAddress::v4({10, 99, 0, 2});
  CHECK(validate(r, ours()) == errc::wrong_destination);

  Expectations e = ours();
  e.unicast_peers = {IpAddress::v4({10, 99, 0, 4}), kPeer};
  CHECK(validate(r, e) == std::error_code{});
  r.source = IpAddress::v4({10, 99, 0, 9});
  CHECK(validate(r, e) == errc::unknown_peer);
}

TEST_CASE("a VRRPv2 interval must equal ours; VRRPv3 learns the master's") {
  Received r = good();
  r.advert.interval = Duration{2000};
  CHECK(validate(r, ours()) == std::error_code{});
  r.advert.version = Version::v2;
  Expectations e = ours();
  e.version = Version::v2;
  CHECK(validate(r, e) == errc::interval_mismatch);
  r.advert.interval = Duration{1000};
  CHECK(validate(r, e) == std::error_code{});
}

TEST_CASE("different virtual addresses are dropped unless the owner sends them") {
  Received r = good();
  r.advert.addresses = {kVip1};
  CHECK(validate(r, ours()) == errc::address_mismatch);
  r.advert.priority = 255;
  CHECK(validate(r, ours()) == std::error_code{});
}

}  // namespace
}  // namespace tandem::vrrp

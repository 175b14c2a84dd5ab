// lookup_interface() against the kernel, with iproute2 as the independent
// observer of index and MAC, and carrier/admin changes for up-ness.
#include "vrrp/io/interface.hpp"

#include <catch2/catch.hpp>

#include <sstream>

#include "tests/vrrp/io/lab.hpp"
#include "vrrp/io/errc.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::IpAddress;
using tandem::vrrp::io::errc;
using tandem::vrrp::io::InterfaceInfo;
using tandem::vrrp::io::lookup_interface;
namespace test = tandem::vrrp::io::test;

InterfaceInfo lookup(const std::string& ns, const std::string& name) {
  test::InNetns in(ns);
  auto r = lookup_interface(name);
  REQUIRE(r);
  return r.value();
}

std::string mac_text(const InterfaceInfo& info) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", info.mac[0], info.mac[1],
                     info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
}

}  // namespace

TEST_CASE("lookup_interface reads index, MAC, primary address and up-ness", "[probe]") {
  test::TwoHosts hosts;
  hosts.link("va", "vb");
  // 10.0.0.5/24 first: 10.0.0.1/24 in the same subnet becomes secondary.
  test::ip(hosts.a(), {"addr", "add", "10.0.0.5/24", "dev", "va"});
  test::ip(hosts.a(), {"addr", "add", "10.0.0.1/24", "dev", "va"});
  test::ip(hosts.a(), {"addr", "add", "2001:db8::1/64", "dev", "va", "nodad"});
  REQUIRE(test::wait_for([&] { return lookup(hosts.a(), "va").up; }, 5s));

  const InterfaceInfo va = lookup(hosts.a(), "va");
  CHECK(va.name == "va");
  CHECK(va.primary == IpAddress::v4({10, 0, 0, 5}));
  CHECK(va.primary_prefix_len == 24);
  // `ip -o link show va`: "N: va@if..: <...> ... link/ether MAC brd ..."
  const std::string line = test::ip(hosts.a(), {"-o", "link", "show", "va"});
  CHECK(std::stoi(line) == va.index);
  CHECK(line.find("link/ether " + mac_text(va)) != std::string::npos);
  CHECK(mac_text(va) != "00:00:00:00:00:00");

  // Peer down: va stays IFF_UP but loses carrier, so not IFF_RUNNING.
  test::ip(hosts.b(), {"link", "set", "vb", "down"});
  REQUIRE(test::wait_for([&] { return !lookup(hosts.a(), "va").up; }, 5s));
  test::ip(hosts.b(), {"link", "set", "vb", "up"});
  REQUIRE(test::wait_for([&] { return lookup(hosts.a(), "va").up; }, 5s));
  test::ip(hosts.a(), {"link", "set", "va", "down"});
  CHECK_FALSE(lookup(hosts.a(), "va").up);
}

TEST_CASE("lookup_interface: a missing interface is an error naming it; no IPv4 is not",
          "[probe]") {
  test::TwoHosts hosts;
  test::InNetns in(hosts.a());
  auto missing = lookup_interface("eth9");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == errc::no_such_interface);
  CHECK(tandem::vrrp::io::describe_interface_failure("eth9", missing.error()) ==
        "interface eth9: no such device");
  CHECK(lookup_interface("a-name-longer-than-ifnamsiz").error() == errc::no_such_interface);
  CHECK(lookup_interface("").error() == errc::no_such_interface);

  auto lo = lookup_interface("lo");
  REQUIRE(lo);
  CHECK(lo.value().primary == IpAddress::v4({127, 0, 0, 1}));
  CHECK(lo.value().primary_prefix_len == 8);
  test::ip(hosts.a(), {"addr", "flush", "dev", "lo"});
  auto bare = lookup_interface("lo");
  REQUIRE(bare);
  CHECK(bare.value().primary.is_unspecified());
}

// GarpSender against the kernel: the packet is captured on the peer end of a
// veth pair with an AF_PACKET socket of the test's own and checked byte by
// byte (RFC 826 layout, RFC 5798 6.4.1 content); the peer's ARP cache, the
// client's view, must follow the announcement.
#include "vrrp/io/garp_sender.hpp"

#include <catch2/catch.hpp>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>

#include <thread>
#include <vector>

#include "tests/vrrp/io/lab.hpp"
#include "vrrp/io/errc.hpp"
#include "vrrp/io/interface.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::IpAddress;
using tandem::vrrp::io::GarpSender;
using tandem::vrrp::io::InterfaceInfo;
using tandem::UniqueFd;
namespace test = tandem::vrrp::io::test;

const IpAddress kVip = IpAddress::v4({10, 0, 0, 100});

InterfaceInfo lookup(const std::string& ns, const std::string& name) {
  test::InNetns in(ns);
  auto r = tandem::vrrp::io::lookup_interface(name);
  REQUIRE(r);
  return r.value();
}

// Whole Ethernet frames of type ARP arriving on one interface.
class ArpCapture {
 public:
  ArpCapture(const std::string& ns, const InterfaceInfo& on) {
    test::InNetns in(ns);
    fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    REQUIRE(fd_);
    sockaddr_ll local{};
    local.sll_family = AF_PACKET;
    local.sll_protocol = htons(ETH_P_ARP);
    local.sll_ifindex = on.index;
    REQUIRE(bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
  }
  // The next frame whose sender protocol address is `spa`; empty on timeout.
  std::vector<std::uint8_t> next_from(const IpAddress& spa, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) {
        continue;
      }
      std::vector<std::uint8_t> frame(2048);
      const ssize_t n = recv(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT);
      if (n >= 42 && std::equal(spa.bytes().begin(), spa.bytes().begin() + 4, &frame[28])) {
        frame.resize(static_cast<std::size_t>(n));
        return frame;
      }
    }
    return {};
  }

 private:
  UniqueFd fd_{-1};
};

struct Lab {
  Lab() {
    hosts.link("va", "vb");
    test::ip(hosts.a(), {"addr", "add", "10.0.0.1/24", "dev", "va"});
    test::ip(hosts.b(), {"addr", "add", "10.0.0.2/24", "dev", "vb"});
    REQUIRE(test::wait_for([&] { return lookup(hosts.a(), "va").up; }, 5s));
    va = lookup(hosts.a(), "va");
    vb = lookup(hosts.b(), "vb");
  }
  GarpSender open() {
    test::InNetns in(hosts.a());
    auto g = GarpSender::open(va);
    REQUIRE(g);
    return std::move(g).value();
  }
  test::TwoHosts hosts;
  InterfaceInfo va;
  InterfaceInfo vb;
};

}  // namespace

TEST_CASE("GarpSender broadcasts one gratuitous ARP request, checked byte by byte", "[probe]") {
  Lab lab;
  ArpCapture capture(lab.hosts.b(), lab.vb);
  GarpSender garp = lab.open();
  REQUIRE_FALSE(garp.send(lab.va, kVip));
  const auto f = capture.next_from(kVip, 3s);
  REQUIRE(f.size() >= 42);
  const std::vector<std::uint8_t> mac(lab.va.mac.begin(), lab.va.mac.end());
  const std::vector<std::uint8_t> broadcast(6, 0xff);
  const std::vector<std::uint8_t> zero(6, 0x00);
  const std::vector<std::uint8_t> vip{10, 0, 0, 100};
  auto bytes = [&](std::size_t at, std::size_t n) {
    return std::vector<std::uint8_t>(f.begin() + static_cast<long>(at),
                                     f.begin() + static_cast<long>(at + n));
  };
  CHECK(bytes(0, 6) == broadcast);                                 // Ethernet destination
  CHECK(bytes(6, 6) == mac);                                       // Ethernet source
  CHECK(bytes(12, 2) == std::vector<std::uint8_t>{0x08, 0x06});    // EtherType ARP
  CHECK(bytes(14, 2) == std::vector<std::uint8_t>{0x00, 0x01});    // htype Ethernet
  CHECK(bytes(16, 2) == std::vector<std::uint8_t>{0x08, 0x00});    // ptype IPv4
  CHECK(f[18] == 6);                                               // hlen
  CHECK(f[19] == 4);                                               // plen
  CHECK(bytes(20, 2) == std::vector<std::uint8_t>{0x00, 0x01});    // request
  CHECK(bytes(22, 6) == mac);                                      // sender MAC
  CHECK(bytes(28, 4) == vip);                                      // sender IP
  CHECK(bytes(32, 6) == zero);                                     // target MAC
  CHECK(bytes(38, 4) == vip);                                      // target IP
  // One packet per call.
  CHECK(capture.next_from(kVip, 200ms).empty());
}

TEST_CASE("a neighbour's ARP cache follows the announcement", "[probe]") {
  Lab lab;
  test::ip(lab.hosts.b(), {"neigh", "add", "10.0.0.100", "lladdr", "02:00:5e:00:00:01", "dev",
                           "vb", "nud", "stale"});
  // The kernel ignores overrides within locktime (1 s) of the entry's update.
  std::this_thread::sleep_for(1200ms);
  GarpSender garp = lab.open();
  REQUIRE_FALSE(garp.send(lab.va, kVip));
  const std::string mac = fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", lab.va.mac[0],
                                      lab.va.mac[1], lab.va.mac[2], lab.va.mac[3], lab.va.mac[4],
                                      lab.va.mac[5]);
  CHECK(test::wait_for(
      [&] {
        return test::ip(lab.hosts.b(), {"neigh", "show", "10.0.0.100", "dev", "vb"})
                   .find("lladdr " + mac) != std::string::npos;
      },
      3s));
}

TEST_CASE("GarpSender errors: link down, IPv6, closed; no descriptor leaks", "[probe]") {
  Lab lab;
  GarpSender garp = lab.open();
  test::ip(lab.hosts.a(), {"link", "set", "va", "down"});
  CHECK(garp.send(lab.va, kVip) == std::errc::network_down);
  CHECK(garp.send(lab.va, *IpAddress::parse("2001:db8::1")) == tandem::vrrp::io::errc::not_ipv4);
  garp.close();
  CHECK(garp.send(lab.va, kVip) == tandem::vrrp::io::errc::not_open);

  test::InNetns in(lab.hosts.a());
  const int before = test::count_open_fds();
  for (int i = 0; i < 200; ++i) {
    REQUIRE(GarpSender::open(lab.va));
  }
  CHECK(test::count_open_fds() == before);
}

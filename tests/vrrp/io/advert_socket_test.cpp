// AdvertSocket on the host kernel: two namespaces joined by two veth pairs
// (va-vb, va2-vb2). Checks what RFC 5798 5.1.1 asks of an advertisement's IP
// header as the receiving kernel hands it over (TTL 255, TOS 0xc0, group
// 224.0.0.18, the primary address as source), multicast loop off, the
// explicit source, SO_BINDTODEVICE, truncation, cancellation and fd hygiene.
#include "vrrp/io/advert_socket.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "tests/vrrp/io/lab.hpp"
#include "vrrp/io/errc.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::IpAddress;
using tandem::vrrp::io::AdvertSocket;
using tandem::vrrp::io::errc;
using tandem::vrrp::io::InterfaceInfo;
namespace test = tandem::vrrp::io::test;
namespace asio = tandem::asio;

const IpAddress kGroup = IpAddress::v4({224, 0, 0, 18});
const IpAddress kA = IpAddress::v4({10, 0, 0, 1});
const IpAddress kASecondary = IpAddress::v4({10, 0, 0, 3});
const IpAddress kAVip = IpAddress::v4({10, 0, 0, 100});
const IpAddress kB = IpAddress::v4({10, 0, 0, 2});
// Shaped like a VRRPv3 advert (vrid 51, priority 100, one address); the
// socket does not care what it carries.
const std::vector<std::uint8_t> kMessage{0x31, 51, 100, 1, 0x00, 0x64, 0, 0, 10, 0, 0, 100};

struct Received {
  std::error_code ec;
  std::vector<std::uint8_t> packet;
  int ifindex = 0;
};

// Keeps one receive pending on `socket` and records every datagram.
class Listener {
 public:
  explicit Listener(AdvertSocket& socket) : socket_(socket) { arm(); }
  std::vector<Received> packets;
  bool cancelled = false;

 private:
  void arm() {
    socket_.async_receive([this](std::error_code ec, std::span<const std::uint8_t> p, int index) {
      if (ec == std::errc::operation_canceled) {
        cancelled = true;
        return;
      }
      packets.push_back({ec, {p.begin(), p.end()}, index});
      if (!ec || ec == errc::truncated) {
        arm();
      }
    });
  }
  AdvertSocket& socket_;
};

class Lab {
 public:
  Lab() {
    hosts.link("va", "vb");
    hosts.link("va2", "vb2");
    // Two primaries (10.0.0.1/24 first, then 10.0.0.100/32) and a secondary:
    // the primary must stay 10.0.0.1.
    test::ip(a(), {"addr", "add", "10.0.0.1/24", "dev", "va"});
    test::ip(a(), {"addr", "add", "10.0.0.3/24", "dev", "va"});
    test::ip(a(), {"addr", "add", "10.0.0.100/32", "dev", "va", "label", "va:vip"});
    test::ip(b(), {"addr", "add", "10.0.0.2/24", "dev", "vb"});
    test::ip(a(), {"addr", "add", "10.1.0.1/24", "dev", "va2"});
    test::ip(b(), {"addr", "add", "10.1.0.2/24", "dev", "vb2"});
    REQUIRE(test::wait_for([&] { return info(a(), "va").up && info(b(), "vb2").up; }, 5s));
  }
  const std::string& a() const { return hosts.a(); }
  const std::string& b() const { return hosts.b(); }

  static InterfaceInfo info(const std::string& ns, const std::string& name) {
    test::InNetns in(ns);
    auto r = tandem::vrrp::io::lookup_interface(name);
    REQUIRE(r);
    return r.value();
  }
  AdvertSocket open(const std::string& ns, const std::string& name, bool join) {
    const InterfaceInfo i = info(ns, name);
    test::InNetns in(ns);
    auto s = AdvertSocket::open(io, i, join);
    REQUIRE(s);
    return std::move(s).value();
  }

  test::TwoHosts hosts;
  asio::io_context io;
};

IpAddress ip_at(const std::vector<std::uint8_t>& p, std::size_t offset) {
  return IpAddress::v4({p[offset], p[offset + 1], p[offset + 2], p[offset + 3]});
}

void check_advert(const Received& r, const IpAddress& source, const IpAddress& destination) {
  REQUIRE_FALSE(r.ec);
  REQUIRE(r.packet.size() >= 20);
  const std::size_t ihl = (r.packet[0] & 0x0fu) * 4u;
  CHECK((r.packet[0] >> 4) == 4);
  CHECK(r.packet[1] == 0xc0);  // TOS
  CHECK(r.packet[8] == 255);   // TTL, RFC 5798 5.1.1.3
  CHECK(r.packet[9] == 112);   // protocol, RFC 5798 5.1.1.4
  CHECK(ip_at(r.packet, 12) == source);
  CHECK(ip_at(r.packet, 16) == destination);
  CHECK(std::vector<std::uint8_t>(r.packet.begin() + static_cast<long>(ihl), r.packet.end()) ==
        kMessage);
}

}  // namespace

TEST_CASE("multicast advert arrives with TTL 255, TOS 0xc0, the group and the primary source",
          "[probe]") {
  Lab lab;
  const InterfaceInfo va = Lab::info(lab.a(), "va");
  CHECK(va.primary == kA);
  CHECK(va.primary_prefix_len == 24);
  AdvertSocket sender = lab.open(lab.a(), "va", true);
  AdvertSocket other_on_a = lab.open(lab.a(), "va", true);
  AdvertSocket receiver = lab.open(lab.b(), "vb", true);
  Listener heard_by_sender(sender);
  Listener heard_by_a(other_on_a);
  Listener heard_by_b(receiver);

  REQUIRE_FALSE(sender.send(kMessage, kGroup, va.primary));
  REQUIRE(test::run_until(lab.io, [&] { return !heard_by_b.packets.empty(); }, 3s));
  check_advert(heard_by_b.packets[0], kA, kGroup);
  CHECK(heard_by_b.packets[0].ifindex == Lab::info(lab.b(), "vb").index);
  // IP_MULTICAST_LOOP 0: nothing on the sending host hears it.
  test::run_for(lab.io, 300ms);
  CHECK(heard_by_sender.packets.empty());
  CHECK(heard_by_a.packets.empty());
  CHECK(heard_by_b.packets.size() == 1);
}

TEST_CASE("send uses the given source whatever routing would pick; unicast reaches the peer",
          "[probe]") {
  Lab lab;
  AdvertSocket sender = lab.open(lab.a(), "va", true);
  AdvertSocket receiver = lab.open(lab.b(), "vb", true);
  Listener heard(receiver);

  REQUIRE_FALSE(sender.send(kMessage, kB, kA));
  REQUIRE(test::run_until(lab.io, [&] { return heard.packets.size() == 1; }, 3s));
  check_advert(heard.packets[0], kA, kB);

  // Routing picks 10.0.0.1 for 10.0.0.2 and for the group; IP_PKTINFO wins.
  REQUIRE_FALSE(sender.send(kMessage, kB, kAVip));
  REQUIRE_FALSE(sender.send(kMessage, kGroup, kASecondary));
  REQUIRE(test::run_until(lab.io, [&] { return heard.packets.size() == 3; }, 3s));
  check_advert(heard.packets[1], kAVip, kB);
  check_advert(heard.packets[2], kASecondary, kGroup);

  CHECK(sender.send(kMessage, *IpAddress::parse("2001:db8::1"), kA) == errc::not_ipv4);
}

TEST_CASE("a socket bound to one interface does not receive another interface's adverts",
          "[probe]") {
  Lab lab;
  AdvertSocket on_va = lab.open(lab.a(), "va", true);
  AdvertSocket on_va2 = lab.open(lab.a(), "va2", true);
  AdvertSocket on_vb = lab.open(lab.b(), "vb", true);
  AdvertSocket on_vb2 = lab.open(lab.b(), "vb2", true);
  Listener heard_vb(on_vb);
  Listener heard_vb2(on_vb2);

  REQUIRE_FALSE(on_va2.send(kMessage, kGroup, IpAddress::v4({10, 1, 0, 1})));
  REQUIRE(test::run_until(lab.io, [&] { return heard_vb2.packets.size() == 1; }, 3s));
  REQUIRE_FALSE(on_va.send(kMessage, kGroup, kA));
  REQUIRE(test::run_until(lab.io, [&] { return heard_vb.packets.size() == 1; }, 3s));
  test::run_for(lab.io, 300ms);
  REQUIRE(heard_vb.packets.size() == 1);
  REQUIRE(heard_vb2.packets.size() == 1);
  CHECK(ip_at(heard_vb.packets[0].packet, 12) == kA);
  CHECK(ip_at(heard_vb2.packets[0].packet, 12) == IpAddress::v4({10, 1, 0, 1}));
}

TEST_CASE("without joining 224.0.0.18 the host drops multicast adverts; unicast still arrives",
          "[probe]") {
  Lab lab;
  AdvertSocket sender = lab.open(lab.a(), "va", false);
  AdvertSocket receiver = lab.open(lab.b(), "vb", false);
  Listener heard(receiver);
  REQUIRE_FALSE(sender.send(kMessage, kGroup, kA));
  test::run_for(lab.io, 300ms);
  CHECK(heard.packets.empty());
  REQUIRE_FALSE(sender.send(kMessage, kB, kA));
  REQUIRE(test::run_until(lab.io, [&] { return heard.packets.size() == 1; }, 3s));
  check_advert(heard.packets[0], kA, kB);
}

TEST_CASE("a datagram larger than the 2 KiB buffer is reported as truncated", "[probe]") {
  Lab lab;
  test::ip(lab.a(), {"link", "set", "va", "mtu", "4000"});
  test::ip(lab.b(), {"link", "set", "vb", "mtu", "4000"});
  AdvertSocket sender = lab.open(lab.a(), "va", true);
  AdvertSocket receiver = lab.open(lab.b(), "vb", true);
  Listener heard(receiver);
  const std::vector<std::uint8_t> big(3000, 0x5a);
  REQUIRE_FALSE(sender.send(big, kB, kA));
  REQUIRE_FALSE(sender.send(kMessage, kB, kA));
  REQUIRE(test::run_until(lab.io, [&] { return heard.packets.size() == 2; }, 3s));
  CHECK(heard.packets[0].ec == errc::truncated);
  CHECK(heard.packets[0].packet.size() == AdvertSocket::kReceiveBufferSize);
  check_advert(heard.packets[1], kA, kB);  // the next one is whole again
}

TEST_CASE("cancel, close and destruction end a pending receive; no descriptor leaks",
          "[probe]") {
  Lab lab;
  AdvertSocket socket = lab.open(lab.b(), "vb", true);
  Listener first(socket);
  socket.cancel();
  REQUIRE(test::run_until(lab.io, [&] { return first.cancelled; }, 2s));
  CHECK(socket.is_open());
  Listener second(socket);
  socket.close();
  REQUIRE(test::run_until(lab.io, [&] { return second.cancelled; }, 2s));
  CHECK_FALSE(socket.is_open());
  CHECK(socket.send(kMessage, kB, kA) == errc::not_open);

  bool destroyed_cancelled = false;
  {
    AdvertSocket doomed = lab.open(lab.b(), "vb", true);
    doomed.async_receive([&](std::error_code ec, std::span<const std::uint8_t>, int) {
      destroyed_cancelled = ec == std::errc::operation_canceled;
    });
  }
  REQUIRE(test::run_until(lab.io, [&] { return destroyed_cancelled; }, 2s));

  const InterfaceInfo vb = Lab::info(lab.b(), "vb");
  test::InNetns in(lab.b());
  const int before = test::count_open_fds();
  for (int i = 0; i < 200; ++i) {
    auto s = AdvertSocket::open(lab.io, vb, true);
    REQUIRE(s);
    s.value().async_receive([](std::error_code, std::span<const std::uint8_t>, int) {});
    if (i % 2 == 0) {
      s.value().close();
    }
  }
  lab.io.restart();
  lab.io.poll();
  CHECK(test::count_open_fds() == before);
}

TEST_CASE("open needs an IPv4 address on the interface", "[probe]") {
  Lab lab;
  test::ip(lab.b(), {"link", "add", "bare0", "type", "veth", "peer", "name", "bare1"});
  const InterfaceInfo bare = Lab::info(lab.b(), "bare0");
  CHECK(bare.primary.is_unspecified());
  test::InNetns in(lab.b());
  auto s = AdvertSocket::open(lab.io, bare, true);
  REQUIRE_FALSE(s);
  CHECK(s.error() == errc::no_ipv4_address);
  CHECK(tandem::vrrp::io::describe_interface_failure("bare0", s.error()) ==
        "interface bare0 has no IPv4 address");
}

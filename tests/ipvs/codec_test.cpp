// Golden-byte tests of the IPVS codec. The expected arrays are written by hand
// from linux/ip_vs.h (attribute numbers, in the comments) and the netlink
// attribute format (u16 length including the 4-byte header, u16 type, payload
// padded to 4 bytes), not produced by our encoder. The replies decoded below
// are laid out the way net/netfilter/ipvs/ip_vs_ctl.c fills them (nests
// without NLA_F_NESTED, HASHED set on every service, STATS64 nested).
#include "ipvs/netlink/codec.hpp"

#include <catch2/catch.hpp>

#include <linux/netlink.h>

#include <algorithm>

#include <cstring>
#include <initializer_list>
#include <vector>

#include "ipvs/model/errc.hpp"

using namespace tandem;
using namespace tandem::ipvs;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr int kFamily = 0x1c;   // any family id; the kernel assigns it at load time

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

Bytes encoded(const Op& op) {
  auto m = codec::encode(op, kFamily);
  REQUIRE(m);
  return codec::bytes_of(*m.value());
}

// Little hand encoder for replies: independent of libnl and of codec.cpp.
void u16le(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v & 0xff));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void u32le(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void attr(Bytes& b, std::uint16_t type, std::initializer_list<std::uint8_t> payload) {
  u16le(b, static_cast<std::uint16_t>(4 + payload.size()));
  u16le(b, type);
  b.insert(b.end(), payload);
  while (b.size() % 4 != 0) b.push_back(0);
}
void attr(Bytes& b, std::uint16_t type, const Bytes& payload) {
  u16le(b, static_cast<std::uint16_t>(4 + payload.size()));
  u16le(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  while (b.size() % 4 != 0) b.push_back(0);
}
Bytes reply(std::uint8_t cmd, const Bytes& attrs) {
  Bytes b;
  u32le(b, static_cast<std::uint32_t>(16 + 4 + attrs.size()));
  u16le(b, kFamily);
  u16le(b, 0x0002);   // NLM_F_MULTI
  u32le(b, 5);        // seq
  u32le(b, 1234);     // port id
  b.push_back(cmd);
  b.push_back(1);     // version
  u16le(b, 0);
  b.insert(b.end(), attrs.begin(), attrs.end());
  return b;
}
const nlmsghdr* header(const Bytes& b) { return reinterpret_cast<const nlmsghdr*>(b.data()); }

}  // namespace

TEST_CASE("add service: tcp 192.0.2.1:80 wrr, full entry", "[unit]") {
  ServiceConfig c;
  c.scheduler = "wrr";
  const Bytes golden = {
      0x68, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00,  // nlmsghdr: len 104, type family, NLM_F_REQUEST
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //           seq 0, port 0
      0x01, 0x01, 0x00, 0x00,                          // genl: IPVS_CMD_NEW_SERVICE, version 1
      0x54, 0x00, 0x01, 0x80,                          // IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED, len 84
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,  //   AF = AF_INET
      0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,  //   PROTOCOL = IPPROTO_TCP
      0x14, 0x00, 0x03, 0x00, 0xc0, 0x00, 0x02, 0x01,  //   ADDR: 16-byte union, IPv4 first
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00,
      0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,  //   PORT = 80, network order
      0x08, 0x00, 0x06, 0x00, 'w', 'r', 'r', 0x00,     //   SCHED_NAME
      0x0c, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,  //   FLAGS {flags 0,
      0x3d, 0x00, 0x00, 0x00,                          //          mask PERSISTENT|ONEPACKET|SCHED1-3}
      0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,  //   TIMEOUT = 0
      0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff,  //   NETMASK = 255.255.255.255
  };
  CHECK(encoded(AddService{ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")), c}) == golden);
}

TEST_CASE("edit service: persistence 300s /24 and one-packet", "[unit]") {
  ServiceConfig c;
  c.scheduler = "rr";
  c.persistent = true;
  c.persistence_timeout_s = 300;
  c.netmask_prefix = 24;
  c.one_packet = true;
  const Bytes golden = {
      0x68, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x02, 0x01, 0x00, 0x00,                          // IPVS_CMD_SET_SERVICE
      0x54, 0x00, 0x01, 0x80,
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,  //   AF_INET
      0x06, 0x00, 0x02, 0x00, 0x11, 0x00, 0x00, 0x00,  //   IPPROTO_UDP
      0x14, 0x00, 0x03, 0x00, 0xc6, 0x33, 0x64, 0x07,  //   198.51.100.7
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x06, 0x00, 0x04, 0x00, 0x00, 0x35, 0x00, 0x00,  //   PORT 53
      0x07, 0x00, 0x06, 0x00, 'r', 'r', 0x00, 0x00,    //   SCHED_NAME "rr" (+NUL, padded)
      0x0c, 0x00, 0x07, 0x00, 0x05, 0x00, 0x00, 0x00,  //   FLAGS PERSISTENT|ONEPACKET
      0x3d, 0x00, 0x00, 0x00,
      0x08, 0x00, 0x08, 0x00, 0x2c, 0x01, 0x00, 0x00,  //   TIMEOUT 300
      0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0x00,  //   NETMASK 255.255.255.0
  };
  CHECK(encoded(EditService{ServiceKey::by_address(Protocol::udp, ep("198.51.100.7:53")), c}) == golden);
}

TEST_CASE("IPv6 netmask travels as a prefix length", "[unit]") {
  ServiceConfig c;
  c.scheduler = "sh";
  c.persistent = true;
  c.persistence_timeout_s = 60;
  c.netmask_prefix = 128;
  const Bytes bytes = encoded(AddService{ServiceKey::by_address(Protocol::tcp, ep("[2001:db8::1]:443")), c});
  const Bytes tail = {0x08, 0x00, 0x09, 0x00, 0x80, 0x00, 0x00, 0x00};   // NETMASK = 128
  REQUIRE(bytes.size() >= tail.size());
  CHECK(Bytes(bytes.end() - 8, bytes.end()) == tail);
  const Bytes addr = {0x14, 0x00, 0x03, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  CHECK(std::search(bytes.begin(), bytes.end(), addr.begin(), addr.end()) != bytes.end());
  const Bytes af = {0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00};     // AF_INET6 first in the nest
  CHECK(Bytes(bytes.begin() + 24, bytes.begin() + 32) == af);
}

TEST_CASE("delete service: fwmark 7 IPv6 is family and mark only", "[unit]") {
  const Bytes golden = {
      0x28, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x03, 0x01, 0x00, 0x00,                          // IPVS_CMD_DEL_SERVICE
      0x14, 0x00, 0x01, 0x80,                          // SERVICE nest, len 20
      0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00,  //   AF = AF_INET6
      0x08, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00,  //   FWMARK = 7
  };
  CHECK(encoded(DeleteService{ServiceKey::by_fwmark(Family::v6, 7)}) == golden);
}

TEST_CASE("add destination: service id, then the full destination entry", "[unit]") {
  DestinationConfig c;
  c.weight = 5;
  c.upper_threshold = 100;
  c.lower_threshold = 50;
  const Bytes golden = {
      0xa4, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x05, 0x01, 0x00, 0x00,                          // IPVS_CMD_NEW_DEST
      0x30, 0x00, 0x01, 0x80,                          // SERVICE nest, len 48
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
      0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x03, 0x00, 0xc0, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,
      0x60, 0x00, 0x02, 0x80,                          // IPVS_CMD_ATTR_DEST | NLA_F_NESTED, len 96
      0x14, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x01,  //   ADDR 10.0.0.1
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00,  //   PORT 8080
      0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00,  //   ADDR_FAMILY AF_INET
      0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,  //   FWD_METHOD MASQ
      0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,  //   WEIGHT 5
      0x08, 0x00, 0x05, 0x00, 0x64, 0x00, 0x00, 0x00,  //   U_THRESH 100
      0x08, 0x00, 0x06, 0x00, 0x32, 0x00, 0x00, 0x00,  //   L_THRESH 50
      0x05, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00,  //   TUN_TYPE ipip (u8, padded)
      0x06, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00,  //   TUN_PORT 0
      0x06, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,  //   TUN_FLAGS 0
  };
  CHECK(encoded(AddDestination{ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")),
                               ep("10.0.0.1:8080"), c}) == golden);
}

TEST_CASE("delete destination: address, port and family only", "[unit]") {
  const Bytes golden = {
      0x50, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x07, 0x01, 0x00, 0x00,                          // IPVS_CMD_DEL_DEST
      0x14, 0x00, 0x01, 0x80,                          // SERVICE nest: fwmark 9, IPv4
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
      0x08, 0x00, 0x05, 0x00, 0x09, 0x00, 0x00, 0x00,
      0x28, 0x00, 0x02, 0x80,                          // DEST nest, len 40
      0x14, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0x06, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,  //   PORT 0
      0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00,  //   ADDR_FAMILY AF_INET
  };
  CHECK(encoded(DeleteDestination{ServiceKey::by_fwmark(Family::v4, 9), ep("10.0.0.2:0")}) == golden);
}

TEST_CASE("a dumped service decodes with HASHED masked and counters apart", "[unit]") {
  Bytes stats;
  attr(stats, 1, {3, 0, 0, 0, 0, 0, 0, 0});           // IPVS_STATS_ATTR_CONNS = 3 (u64)
  attr(stats, 4, {0x10, 0x27, 0, 0, 0, 0, 0, 0});     // INBYTES = 10000
  Bytes svc;
  attr(svc, 1, {0x02, 0x00});                         // AF_INET
  attr(svc, 2, {0x11, 0x00});                         // UDP
  attr(svc, 3, {0xc6, 0x33, 0x64, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  attr(svc, 4, {0x00, 0x35});                         // port 53
  attr(svc, 6, {'r', 'r', 0});
  attr(svc, 7, {0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});   // HASHED | ONEPACKET, mask ~0
  attr(svc, 8, {0, 0, 0, 0});
  attr(svc, 9, {0xff, 0xff, 0xff, 0xff});
  attr(svc, 12, stats);                               // STATS64
  Bytes top;
  attr(top, 1, svc);                                  // IPVS_CMD_ATTR_SERVICE, no NLA_F_NESTED
  const Bytes msg = reply(1, top);

  auto s = codec::decode_service(header(msg));
  REQUIRE(s);
  Service want;
  want.key = ServiceKey::by_address(Protocol::udp, ep("198.51.100.7:53"));
  want.config.scheduler = "rr";
  want.config.one_packet = true;
  CHECK(s.value() == want);
  CHECK(s.value().stats.connections == 3);
  CHECK(s.value().stats.bytes_in == 10000);

  auto lean = codec::decode_service(header(msg), false);
  REQUIRE(lean);
  CHECK(lean.value() == want);
  CHECK(lean.value().stats.connections == 0);
}

TEST_CASE("a dumped IPv6 destination decodes every setting", "[unit]") {
  Bytes dest;
  attr(dest, 1, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
  attr(dest, 2, {0x01, 0xbb});                        // port 443
  attr(dest, 3, {0x03, 0, 0, 0});                     // DROUTE
  attr(dest, 4, {0x07, 0, 0, 0});                     // weight 7
  attr(dest, 5, {0x0a, 0, 0, 0});
  attr(dest, 6, {0x02, 0, 0, 0});
  attr(dest, 7, {0x02, 0, 0, 0});                     // active 2
  attr(dest, 8, {0x01, 0, 0, 0});                     // inactive 1
  attr(dest, 11, {0x0a, 0x00});                       // AF_INET6
  attr(dest, 13, {0x00});
  attr(dest, 14, {0x00, 0x00});
  attr(dest, 15, {0x00, 0x00});
  Bytes top;
  attr(top, 2, dest);
  const Bytes msg = reply(5, top);

  auto d = codec::decode_destination(header(msg), Family::v6);
  REQUIRE(d);
  CHECK(d.value().address == ep("[2001:db8::10]:443"));
  CHECK(d.value().config.forwarding == Forwarding::route);
  CHECK(d.value().config.weight == 7);
  CHECK(d.value().config.upper_threshold == 10);
  CHECK(d.value().config.lower_threshold == 2);
  CHECK(d.value().active_connections == 2);
  CHECK(d.value().inactive_connections == 1);
}

TEST_CASE("replies missing required attributes are refused, not guessed", "[unit]") {
  Bytes svc;
  attr(svc, 1, {0x02, 0x00});
  attr(svc, 5, {0x07, 0, 0, 0});                      // fwmark, but no scheduler/flags/...
  Bytes top;
  attr(top, 1, svc);
  const Bytes msg = reply(1, top);
  auto s = codec::decode_service(header(msg));
  REQUIRE_FALSE(s);
  CHECK(s.error() == std::error_code(ipvs::errc::malformed_reply));

  Bytes short_addr;
  attr(short_addr, 1, {0x0a, 0x00, 0x00});            // 3-byte address
  attr(short_addr, 2, {0x00, 0x50});
  Bytes top2;
  attr(top2, 2, short_addr);
  const Bytes msg2 = reply(5, top2);
  CHECK_FALSE(codec::decode_destination(header(msg2), Family::v4));

  // An attribute whose length runs past its nest is refused, not read beyond.
  Bytes svc3;
  attr(svc3, 1, {0x02, 0x00});
  Bytes top3;
  attr(top3, 1, svc3);
  top3[4] = 0x40;                                     // inner AF attribute claims 64 bytes
  const Bytes msg3 = reply(1, top3);
  auto s3 = codec::decode_service(header(msg3));
  REQUIRE_FALSE(s3);
  CHECK(s3.error() == std::error_code(ipvs::errc::malformed_reply));
}

TEST_CASE("info and timeouts decode from top-level attributes", "[unit]") {
  Bytes top;
  attr(top, 1, {0x01, 0x02, 0x01, 0x00});             // IPVS_INFO_ATTR_VERSION 1.2.1
  attr(top, 2, {0x00, 0x10, 0x00, 0x00});             // CONN_TAB_SIZE 4096
  auto info = codec::decode_info(header(reply(15, top)));
  REQUIRE(info);
  CHECK(info.value().version_text() == "1.2.1");
  CHECK(info.value().connection_table_size == 4096);

  Bytes t;
  attr(t, 4, {0x84, 0x03, 0, 0});                     // TIMEOUT_TCP 900
  attr(t, 5, {0x78, 0, 0, 0});                        // TIMEOUT_TCP_FIN 120
  attr(t, 6, {0x2c, 0x01, 0, 0});                     // TIMEOUT_UDP 300
  auto timeouts = codec::decode_timeouts(header(reply(14, t)));
  REQUIRE(timeouts);
  CHECK(timeouts.value() == Timeouts{900, 120, 300});
}

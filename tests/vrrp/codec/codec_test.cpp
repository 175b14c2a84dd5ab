// The VRRP codec against keepalived's bytes, and every way a packet can be
// malformed. Pure: no sockets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/vrrp/codec/vectors.hpp"
#include "vrrp/codec/codec.hpp"
#include "vrrp/codec/errc.hpp"

namespace tandem::vrrp {
namespace {

using Bytes = std::vector<std::uint8_t>;
const IpAddress kSource = IpAddress::v4({10, 99, 0, 2});
const IpAddress kVip = IpAddress::v4({10, 99, 0, 100});

Advert keepalived_advert(Version v) {
  Advert a;
  a.version = v;
  a.vrid = 51;
  a.priority = 150;
  a.interval = Duration{1000};
  a.addresses = {kVip};
  return a;
}

using test::with_ip_header;

template <std::size_t N>
Bytes bytes(const std::array<std::uint8_t, N>& a) { return Bytes(a.begin(), a.end()); }

// Changes a byte of the VRRP message and puts a plain (no pseudo-header)
// checksum back, so a test reaches the check after the checksum.
void set_and_fix_checksum(Bytes& datagram, std::size_t vrrp_offset, std::uint8_t value) {
  datagram[test::kIpHeader + vrrp_offset] = value;
  datagram[test::kIpHeader + 6] = datagram[test::kIpHeader + 7] = 0;
  const auto sum = internet_checksum(std::span(datagram).subspan(test::kIpHeader));
  datagram[test::kIpHeader + 6] = static_cast<std::uint8_t>(sum >> 8);
  datagram[test::kIpHeader + 7] = static_cast<std::uint8_t>(sum & 0xff);
}

std::error_code decode_error(const Bytes& d, Version v, ChecksumMode m = ChecksumMode::pseudo_header) {
  auto r = decode_ipv4(d, v, m);
  return r ? std::error_code{} : r.error();
}

TEST_CASE("encode reproduces keepalived's VRRPv3 advert byte for byte, pseudo-header checksum 0x42ac") {
  auto out = encode(keepalived_advert(Version::v3), kSource, kMulticastGroup, ChecksumMode::pseudo_header);
  REQUIRE(out);
  const Bytes expected(test::kKeepalivedV3.begin() + test::kIpHeader, test::kKeepalivedV3.end());
  CHECK(out.value() == expected);
  // accept_either sends what pseudo_header sends.
  CHECK(encode(keepalived_advert(Version::v3), kSource, kMulticastGroup, ChecksumMode::accept_either).value() ==
        expected);
}

TEST_CASE("encode reproduces keepalived's VRRPv2 advert byte for byte, whatever the checksum mode") {
  const Bytes expected(test::kKeepalivedV2.begin() + test::kIpHeader, test::kKeepalivedV2.end());
  for (auto mode : {ChecksumMode::pseudo_header, ChecksumMode::no_pseudo_header, ChecksumMode::accept_either}) {
    auto out = encode(keepalived_advert(Version::v2), kSource, kMulticastGroup, mode);
    REQUIRE(out);
    CHECK(out.value() == expected);
  }
}

TEST_CASE("decode reads keepalived's adverts") {
  auto v3 = decode_ipv4(test::kKeepalivedV3, Version::v3, ChecksumMode::pseudo_header);
  REQUIRE(v3);
  CHECK(v3.value().advert == keepalived_advert(Version::v3));
  CHECK(v3.value().source == kSource);
  CHECK(v3.value().destination == kMulticastGroup);
  CHECK(v3.value().ttl == 255);
  CHECK(v3.value().pseudo_header_checksum);

  auto v2 = decode_ipv4(test::kKeepalivedV2, Version::v2, ChecksumMode::pseudo_header);
  REQUIRE(v2);
  CHECK(v2.value().advert == keepalived_advert(Version::v2));
  CHECK_FALSE(v2.value().pseudo_header_checksum);
}

TEST_CASE("peek_vrid reads the VRID after any IPv4 header length, and 0 from a short datagram") {
  CHECK(peek_vrid(test::kKeepalivedV3) == keepalived_advert(Version::v3).vrid);
  CHECK(peek_vrid(test::kKeepalivedV2) == keepalived_advert(Version::v2).vrid);
  // An IPv4 header with options (IHL 6): the VRID moves 4 bytes on.
  Bytes with_options{0x46, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x31, 77};
  CHECK(peek_vrid(with_options) == 77);
  with_options.pop_back();
  CHECK(peek_vrid(with_options) == 0);
  CHECK(peek_vrid(Bytes{}) == 0);
}

TEST_CASE("the VRRPv3 checksum modes accept what they should, and only that") {
  Advert a = keepalived_advert(Version::v3);
  const Bytes with_pseudo = with_ip_header(
      encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).value(), kSource, kMulticastGroup);
  const Bytes without = with_ip_header(
      encode(a, kSource, kMulticastGroup, ChecksumMode::no_pseudo_header).value(), kSource, kMulticastGroup);
  REQUIRE(with_pseudo != without);

  CHECK(decode_error(with_pseudo, Version::v3, ChecksumMode::pseudo_header) == std::error_code{});
  CHECK(decode_error(without, Version::v3, ChecksumMode::pseudo_header) == errc::bad_checksum);
  CHECK(decode_error(without, Version::v3, ChecksumMode::no_pseudo_header) == std::error_code{});
  CHECK(decode_error(with_pseudo, Version::v3, ChecksumMode::no_pseudo_header) == errc::bad_checksum);
  auto either_pseudo = decode_ipv4(with_pseudo, Version::v3, ChecksumMode::accept_either);
  auto either_plain = decode_ipv4(without, Version::v3, ChecksumMode::accept_either);
  REQUIRE(either_pseudo);
  REQUIRE(either_plain);
  CHECK(either_pseudo.value().pseudo_header_checksum);
  CHECK_FALSE(either_plain.value().pseudo_header_checksum);
}

TEST_CASE("the pseudo-header binds the checksum to the addresses: a changed source fails") {
  Bytes d = bytes(test::kKeepalivedV3);
  d[15] = 3;   // source 10.99.0.3
  CHECK(decode_error(d, Version::v3) == errc::bad_checksum);
  // VRRPv2 does not cover the addresses.
  Bytes v2 = bytes(test::kKeepalivedV2);
  v2[15] = 3;
  CHECK(decode_error(v2, Version::v2) == std::error_code{});
}

TEST_CASE("every single-bit flip of the VRRP message is caught") {
  for (const Bytes& original : {bytes(test::kKeepalivedV3), bytes(test::kKeepalivedV2)}) {
    const Version v = original.size() == test::kKeepalivedV3.size() ? Version::v3 : Version::v2;
    for (std::size_t i = test::kIpHeader; i < original.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes d = original;
        d[i] ^= static_cast<std::uint8_t>(1 << bit);
        INFO("byte " << i << " bit " << bit);
        CHECK(decode_error(d, v) != std::error_code{});
      }
    }
  }
}

TEST_CASE("round trip over intervals, priorities and address counts") {
  for (Version v : {Version::v3, Version::v2}) {
    for (int count : {1, 2, 20, 255}) {
      Advert a;
      a.version = v;
      a.vrid = 255;
      a.priority = static_cast<std::uint8_t>(count);
      a.interval = v == Version::v3 ? Duration{40950} : Duration{255000};
      for (int i = 0; i < count; ++i)
        a.addresses.push_back(IpAddress::v4({192, 0, 2, static_cast<std::uint8_t>(i)}));
      const IpAddress peer = IpAddress::v4({10, 0, 0, 9});
      auto message = encode(a, kSource, peer, ChecksumMode::pseudo_header);
      REQUIRE(message);
      auto back = decode_ipv4(with_ip_header(message.value(), kSource, peer), v, ChecksumMode::pseudo_header);
      REQUIRE(back);
      CHECK(back.value().advert == a);
      CHECK(back.value().destination == peer);
    }
  }
}

TEST_CASE("VRRPv3 interval: 12 bits of centiseconds; the reserved bits are ignored on receipt") {
  Advert a = keepalived_advert(Version::v3);
  a.interval = Duration{10};
  CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header));
  for (Duration bad : {Duration{0}, Duration{5}, Duration{1005}, Duration{40960}}) {
    a.interval = bad;
    CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::bad_interval);
  }
  Bytes d = bytes(test::kKeepalivedV3);
  set_and_fix_checksum(d, 4, 0xf0);   // reserved bits set, interval 0x000 + 0x64 low byte
  auto r = decode_ipv4(d, Version::v3, ChecksumMode::no_pseudo_header);
  REQUIRE(r);
  CHECK(r.value().advert.interval == Duration{1000});
}

TEST_CASE("VRRPv2 interval: whole seconds 1..255") {
  Advert a = keepalived_advert(Version::v2);
  for (Duration bad : {Duration{0}, Duration{1500}, Duration{256000}}) {
    a.interval = bad;
    CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::bad_interval);
  }
}

TEST_CASE("encode refuses what the wire cannot carry") {
  Advert a = keepalived_advert(Version::v3);
  a.vrid = 0;
  CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::bad_vrid);
  a = keepalived_advert(Version::v3);
  a.addresses.clear();
  CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::bad_address_count);
  a.addresses.assign(256, kVip);
  CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::bad_address_count);
  a = keepalived_advert(Version::v3);
  a.addresses.push_back(*IpAddress::parse("2001:db8::1"));
  CHECK(encode(a, kSource, kMulticastGroup, ChecksumMode::pseudo_header).error() == errc::not_encodable_ipv4);
  a = keepalived_advert(Version::v3);
  CHECK(encode(a, *IpAddress::parse("::1"), kMulticastGroup, ChecksumMode::pseudo_header).error() ==
        errc::not_encodable_ipv4);
}

TEST_CASE("decode names what is wrong with a malformed packet") {
  const Bytes good = bytes(test::kKeepalivedV3);

  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      Bytes d(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      INFO("length " << n);
      CHECK(decode_error(d, Version::v3) == errc::truncated);
    }
  }
  SECTION("IP header") {
    Bytes d = good;
    d[0] = 0x65;
    CHECK(decode_error(d, Version::v3) == errc::not_ipv4);
    d = good;
    d[0] = 0x44;   // IHL 16 bytes
    CHECK(decode_error(d, Version::v3) == errc::bad_ip_header);
    d = good;
    d[3] = 19;   // total length below the header
    CHECK(decode_error(d, Version::v3) == errc::bad_ip_header);
    d = good;
    d[3] = 33;   // total length beyond what was received
    CHECK(decode_error(d, Version::v3) == errc::truncated);
    d = good;
    d[9] = 17;
    CHECK(decode_error(d, Version::v3) == errc::not_vrrp);
  }
  SECTION("IP options and link padding are handled") {
    Bytes d(good.begin(), good.begin() + test::kIpHeader);
    d[0] = 0x46;   // 24-byte header: one 4-byte option (NOP x4)
    d[3] = 36;
    d.insert(d.end(), {1, 1, 1, 1});
    d.insert(d.end(), good.begin() + test::kIpHeader, good.end());
    d.insert(d.end(), {0, 0, 0, 0, 0, 0});   // padding after the IP total length
    auto r = decode_ipv4(d, Version::v3, ChecksumMode::pseudo_header);
    REQUIRE(r);
    CHECK(r.value().advert == keepalived_advert(Version::v3));
  }
  SECTION("VRRP header") {
    CHECK(decode_error(good, Version::v2) == errc::wrong_version);
    Bytes d = good;
    set_and_fix_checksum(d, 0, 0x32);
    CHECK(decode_error(d, Version::v3, ChecksumMode::no_pseudo_header) == errc::wrong_type);
    d = good;
    set_and_fix_checksum(d, 3, 0);
    CHECK(decode_error(d, Version::v3, ChecksumMode::no_pseudo_header) == errc::no_addresses);
    d = good;
    set_and_fix_checksum(d, 3, 2);   // two addresses announced, one present
    CHECK(decode_error(d, Version::v3, ChecksumMode::no_pseudo_header) == errc::truncated);
    d = good;
    d.insert(d.end(), {0, 0, 0, 0});   // a fifth word the count does not cover
    d[3] = 36;
    CHECK(decode_error(d, Version::v3) == errc::bad_length);
    d = good;
    set_and_fix_checksum(d, 4, 0);
    set_and_fix_checksum(d, 5, 0);
    CHECK(decode_error(d, Version::v3, ChecksumMode::no_pseudo_header) == errc::zero_interval);
  }
  SECTION("VRRPv2 authentication and interval") {
    Bytes d = bytes(test::kKeepalivedV2);
    set_and_fix_checksum(d, 4, 1);   // simple text password
    CHECK(decode_error(d, Version::v2) == errc::bad_auth);
    d = bytes(test::kKeepalivedV2);
    set_and_fix_checksum(d, 5, 0);
    CHECK(decode_error(d, Version::v2) == errc::zero_interval);
  }
}

// Not a fuzzer (that is tests/vrrp/codec/fuzz_decode.cpp, run by libFuzzer):
// a fixed-seed sweep of mutations of valid packets, so every build runs some.
TEST_CASE("mutated packets never crash decode, and what decodes re-encodes to the same advert") {
  std::mt19937 rng(20261206);
  const Bytes seeds[] = {bytes(test::kKeepalivedV3), bytes(test::kKeepalivedV2)};
  int decoded = 0;
  for (int i = 0; i < 200000; ++i) {
    Bytes d = seeds[i % 2];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0: d[rng() % d.size()] = static_cast<std::uint8_t>(rng()); break;
        case 1: if (d.size() > 1) d.resize(rng() % d.size()); break;
        default: d.push_back(static_cast<std::uint8_t>(rng())); break;
      }
      if (d.empty()) d.push_back(0);
    }
    for (Version v : {Version::v3, Version::v2}) {
      for (auto mode : {ChecksumMode::pseudo_header, ChecksumMode::no_pseudo_header, ChecksumMode::accept_either}) {
        auto r = decode_ipv4(d, v, mode);
        if (!r) continue;
        ++decoded;
        const Received& got = r.value();
        const ChecksumMode resend = got.pseudo_header_checksum ? ChecksumMode::pseudo_header
                                                               : ChecksumMode::no_pseudo_header;
        auto again = encode(got.advert, got.source, got.destination, resend);
        if (!again) {
          CHECK(again.error() == errc::bad_vrid);   // the only field decode does not judge
          continue;
        }
        auto back = decode_ipv4(with_ip_header(again.value(), got.source, got.destination), v, mode);
        REQUIRE(back);
        CHECK(back.value().advert == got.advert);
      }
    }
  }
  CHECK(decoded > 0);   // the sweep exercised the accepting path, not only rejections
}

TEST_CASE("reason names are stable and distinct; foreign codes are 'other'") {
  std::vector<std::string> names;
  for (int v = static_cast<int>(errc::truncated); v <= static_cast<int>(errc::bad_interval); ++v) {
    const std::string n = reason_name(make_error_code(static_cast<errc>(v)));
    CHECK(n != "other");
    CHECK(std::find(names.begin(), names.end(), n) == names.end());
    CHECK_FALSE(make_error_code(static_cast<errc>(v)).message().starts_with("unknown"));
    names.push_back(n);
  }
  CHECK(reason_name(make_error_code(errc::bad_checksum)) == "bad_checksum");
  CHECK(reason_name(std::make_error_code(std::errc::timed_out)) == "other");
}

}  // namespace
}  // namespace tandem::vrrp

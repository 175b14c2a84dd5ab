// AddressEditor against the kernel, with `ip -4 addr show` as the
// independent observer: labels and prefixes, idempotent add and remove,
// label validation, errors naming the address, descriptor hygiene.
#include "vrrp/io/address_editor.hpp"

#include <catch2/catch.hpp>

#include "tests/vrrp/io/lab.hpp"
#include "vrrp/io/errc.hpp"
#include "vrrp/io/interface.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Prefix;
using tandem::vrrp::io::AddressEditor;
using tandem::vrrp::io::errc;
namespace test = tandem::vrrp::io::test;

const Prefix kVip = *Prefix::parse("192.0.2.100/24");

std::string shown(const std::string& ns) {
  return test::ip(ns, {"-4", "-o", "addr", "show", "dev", "va"});
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

struct Lab {
  Lab() {
    hosts.link("va", "vb");
    test::ip(hosts.a(), {"addr", "add", "10.0.0.1/24", "dev", "va"});
    test::InNetns in(hosts.a());
    auto info = tandem::vrrp::io::lookup_interface("va");
    REQUIRE(info);
    ifindex = info.value().index;
    auto e = AddressEditor::open();
    REQUIRE(e);
    editor.emplace(std::move(e).value());
  }
  test::TwoHosts hosts;
  int ifindex = 0;
  std::optional<AddressEditor> editor;  // opened inside A; usable from anywhere
};

}  // namespace

TEST_CASE("AddressEditor adds with label and prefix, twice is fine, removes, twice is fine",
          "[probe]") {
  Lab lab;
  REQUIRE_FALSE(lab.editor->add(lab.ifindex, kVip, "va:vip"));
  std::string out = shown(lab.hosts.a());
  CHECK(occurrences(out, "inet 192.0.2.100/24 ") == 1);
  CHECK(out.find("va:vip") != std::string::npos);
  CHECK(lab.editor->present(lab.ifindex, kVip).value());
  // A /32 of the same address is a different kernel address.
  CHECK_FALSE(lab.editor->present(lab.ifindex, *Prefix::parse("192.0.2.100/32")).value());

  REQUIRE_FALSE(lab.editor->add(lab.ifindex, kVip, "va:vip"));  // EEXIST is success
  REQUIRE_FALSE(lab.editor->add(lab.ifindex, kVip, ""));
  CHECK(occurrences(shown(lab.hosts.a()), "inet 192.0.2.100/24 ") == 1);

  REQUIRE_FALSE(lab.editor->remove(lab.ifindex, kVip));
  out = shown(lab.hosts.a());
  CHECK(out.find("192.0.2.100") == std::string::npos);
  CHECK(out.find("inet 10.0.0.1/24") != std::string::npos);
  CHECK_FALSE(lab.editor->present(lab.ifindex, kVip).value());
  REQUIRE_FALSE(lab.editor->remove(lab.ifindex, kVip));  // EADDRNOTAVAIL is success

  REQUIRE_FALSE(lab.editor->add(lab.ifindex, *Prefix::parse("192.0.2.101/32"), ""));
  out = shown(lab.hosts.a());
  CHECK(out.find("inet 192.0.2.101/32 scope global va") != std::string::npos);
}

TEST_CASE("AddressEditor rejects bad labels and names the address in errors", "[probe]") {
  Lab lab;
  CHECK(lab.editor->add(lab.ifindex, kVip, "vb:vip") == errc::invalid_label);
  CHECK(lab.editor->add(lab.ifindex, kVip, "va:label-too-long") == errc::invalid_label);
  CHECK(lab.editor->add(lab.ifindex, kVip, "v") == errc::invalid_label);
  CHECK(shown(lab.hosts.a()).find("192.0.2.100") == std::string::npos);
  CHECK(lab.editor->add(lab.ifindex, kVip, "va:sixteen-chars") == errc::invalid_label);
  REQUIRE_FALSE(lab.editor->add(lab.ifindex, kVip, "va:fifteen-char"));  // the longest allowed
  CHECK(shown(lab.hosts.a()).find("va:fifteen-char") != std::string::npos);

  const auto missing = lab.editor->add(9999, kVip, "");
  CHECK(missing == std::errc::no_such_device);
  CHECK(tandem::vrrp::io::describe_address_failure("add", 9999, kVip, missing) ==
        "add 192.0.2.100/24 on interface index 9999: No such device");
  CHECK(lab.editor->add(9999, kVip, "va:vip") == errc::no_such_interface);
  CHECK(lab.editor->remove(9999, kVip) == std::errc::no_such_device);
  CHECK(lab.editor->add(lab.ifindex, *Prefix::parse("2001:db8::1/64"), "") == errc::not_ipv4);
}

TEST_CASE("AddressEditor open and close leak no descriptors", "[probe]") {
  test::TwoHosts hosts;
  test::InNetns in(hosts.a());
  const int before = test::count_open_fds();
  for (int i = 0; i < 200; ++i) {
    auto e = AddressEditor::open();
    REQUIRE(e);
    REQUIRE(e.value().present(1, kVip));
  }
  CHECK(test::count_open_fds() == before);
}

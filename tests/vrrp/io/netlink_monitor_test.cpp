// NetlinkMonitor against the kernel: `ip` run as a child process changes
// addresses and links in a test namespace; the monitor, read on an Asio loop,
// must report exactly the changes of up-ness and the address events, survive
// a receive-buffer overrun (reported, then still working) and stop cleanly.
#include "vrrp/io/netlink_monitor.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>
#include <utility>
#include <vector>

#include "tests/kernel/support/command.hpp"
#include "tests/vrrp/io/lab.hpp"
#include "vrrp/io/interface.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Prefix;
using tandem::vrrp::io::NetlinkMonitor;
namespace test = tandem::vrrp::io::test;
namespace asio = tandem::asio;

struct Events {
  std::vector<std::pair<int, bool>> links;
  std::vector<std::pair<int, Prefix>> added;
  std::vector<std::pair<int, Prefix>> removed;
  int overruns = 0;

  NetlinkMonitor::Callbacks callbacks() {
    return {
        [this](int i, bool up) { links.emplace_back(i, up); },
        [this](int i, const Prefix& p) { added.emplace_back(i, p); },
        [this](int i, const Prefix& p) { removed.emplace_back(i, p); },
        [this] { ++overruns; },
    };
  }
  bool saw_removed(int index, const Prefix& p) const {
    return std::find(removed.begin(), removed.end(), std::pair(index, p)) != removed.end();
  }
  bool saw_added(int index, const Prefix& p) const {
    return std::find(added.begin(), added.end(), std::pair(index, p)) != added.end();
  }
  std::vector<bool> links_of(int index) const {
    std::vector<bool> out;
    for (const auto& [i, up] : links) {
      if (i == index) {
        out.push_back(up);
      }
    }
    return out;
  }
};

struct Lab {
  explicit Lab(NetlinkMonitor::Options options = {}) {
    hosts.link("va", "vb");
    test::ip(hosts.a(), {"addr", "add", "10.0.0.1/24", "dev", "va"});
    test::ip(hosts.a(), {"addr", "add", "192.0.2.100/24", "dev", "va", "label", "va:vip"});
    test::InNetns in(hosts.a());
    REQUIRE(test::wait_for(
        [] { return tandem::vrrp::io::lookup_interface("va").value().up; }, 5s));
    va = tandem::vrrp::io::lookup_interface("va").value().index;
    auto m = NetlinkMonitor::open(io, events.callbacks(), options);
    REQUIRE(m);
    monitor.emplace(std::move(m).value());
    monitor->start();
  }
  test::TwoHosts hosts;
  asio::io_context io;
  Events events;
  int va = 0;
  std::optional<NetlinkMonitor> monitor;
};

}  // namespace

TEST_CASE("NetlinkMonitor reports addresses removed and added by another process", "[probe]") {
  Lab lab;
  const Prefix vip = *Prefix::parse("192.0.2.100/24");
  const Prefix other = *Prefix::parse("192.0.2.101/32");
  test::ip(lab.hosts.a(), {"addr", "del", "192.0.2.100/24", "dev", "va"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.saw_removed(lab.va, vip); }, 3s));
  test::ip(lab.hosts.a(), {"addr", "add", "192.0.2.101/32", "dev", "va"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.saw_added(lab.va, other); }, 3s));
  // Changes in another namespace are not seen.
  test::ip(lab.hosts.b(), {"addr", "add", "192.0.2.102/32", "dev", "vb"});
  test::run_for(lab.io, 200ms);
  CHECK_FALSE(lab.events.saw_added(lab.va, *Prefix::parse("192.0.2.102/32")));
  CHECK(lab.events.added.size() == 1);
  CHECK(lab.events.overruns == 0);
}

TEST_CASE("NetlinkMonitor reports changes of up-ness, once each, and nothing at start",
          "[probe]") {
  Lab lab;
  test::run_for(lab.io, 200ms);
  CHECK(lab.events.links.empty());
  REQUIRE(lab.monitor->link_up(lab.va) == std::optional<bool>(true));

  test::ip(lab.hosts.a(), {"link", "set", "dev", "va", "down"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.links_of(lab.va).size() == 1; }, 3s));
  test::ip(lab.hosts.a(), {"link", "set", "dev", "va", "up"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.links_of(lab.va).size() == 2; }, 3s));
  // Carrier loss: the peer end goes down, va stays administratively up.
  test::ip(lab.hosts.b(), {"link", "set", "dev", "vb", "down"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.links_of(lab.va).size() == 3; }, 3s));
  test::ip(lab.hosts.b(), {"link", "set", "dev", "vb", "up"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.links_of(lab.va).size() == 4; }, 3s));
  test::run_for(lab.io, 200ms);
  CHECK(lab.events.links_of(lab.va) == std::vector<bool>{false, true, false, true});
  // A link added later, then deleted while up, is reported down.
  test::ip(lab.hosts.a(), {"link", "add", "vc", "type", "veth", "peer", "name", "vd"});
  test::ip(lab.hosts.a(), {"link", "set", "vc", "up"});
  test::ip(lab.hosts.a(), {"link", "set", "vd", "up"});
  std::optional<int> vc;
  {
    test::InNetns in(lab.hosts.a());
    vc = tandem::vrrp::io::lookup_interface("vc").value().index;
  }
  REQUIRE(test::run_until(
      lab.io, [&] { return lab.events.links_of(*vc) == std::vector<bool>{true}; }, 3s));
  test::ip(lab.hosts.a(), {"link", "del", "vc"});
  REQUIRE(test::run_until(
      lab.io, [&] { return lab.events.links_of(*vc) == std::vector<bool>{true, false}; }, 3s));
}

TEST_CASE("NetlinkMonitor survives an overrun: it reports it and keeps working", "[probe]") {
  Lab lab(NetlinkMonitor::Options{.receive_buffer_bytes = 1});  // the kernel's minimum
  // A burst of 300 address notifications while the loop does not read.
  const std::string batch = "/tmp/tandem-vrrp-io-burst-" + std::to_string(getpid());
  {
    std::ofstream out(batch);
    for (int i = 0; i < 300; ++i) {
      out << "addr add 198.51." << 100 + i / 250 << "." << (i % 250) + 1 << "/32 dev va\n";
    }
  }
  const auto result = tandem::kernel_test::run_command({"ip", "-n", lab.hosts.a(), "-batch", batch});
  std::remove(batch.c_str());
  REQUIRE(result.status == 0);
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.overruns > 0; }, 3s));
  test::run_for(lab.io, 200ms);  // drain what survived
  CHECK(lab.events.added.size() < 300);
  CHECK_FALSE(lab.monitor->link_up(lab.va).has_value());  // forgotten

  const Prefix vip = *Prefix::parse("192.0.2.100/24");
  test::ip(lab.hosts.a(), {"addr", "del", "192.0.2.100/24", "dev", "va"});
  REQUIRE(test::run_until(lab.io, [&] { return lab.events.saw_removed(lab.va, vip); }, 3s));
  test::ip(lab.hosts.a(), {"link", "set", "dev", "va", "down"});
  REQUIRE(test::run_until(
      lab.io, [&] { return lab.events.links_of(lab.va) == std::vector<bool>{false}; }, 3s));
}

TEST_CASE("NetlinkMonitor stop ends reporting; open and stop leak no descriptors", "[probe]") {
  Lab lab;
  lab.monitor->stop();
  CHECK_FALSE(lab.monitor->is_open());
  test::ip(lab.hosts.a(), {"addr", "del", "192.0.2.100/24", "dev", "va"});
  test::run_for(lab.io, 200ms);
  CHECK(lab.events.removed.empty());

  test::InNetns in(lab.hosts.a());
  const int before = test::count_open_fds();
  for (int i = 0; i < 200; ++i) {
    auto m = NetlinkMonitor::open(lab.io, {});
    REQUIRE(m);
    m.value().start();
    if (i % 2 == 0) {
      m.value().stop();
    }
  }
  lab.io.restart();
  lab.io.poll();
  CHECK(test::count_open_fds() == before);
}

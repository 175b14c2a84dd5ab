// SyncFollower against the kernel's real sync daemons (issue 6, item 4): which
// daemons run after each VRRP role change, that a left role lingers and then
// stops, that a graceful stop lets the master flush before `done`, and that
// daemons a killed predecessor left are replaced. Short lingers; the drill in
// director_sync_test.sh shows what the real ones buy (a connection idle across
// a graceful handover survives).
#include "director/daemon/sync_follower.hpp"

#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "ipvs/netlink/client.hpp"
#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;
namespace asio = tandem::asio;
using tandem::director::SyncFollower;
using tandem::director::SyncLingers;
using Role = tandem::ipvs::SyncDaemon::Role;

namespace {

constexpr SyncLingers kLingers{std::chrono::milliseconds(300), std::chrono::milliseconds(500)};

// The sync interface: a dummy link with an IPv4 address, which the kernel's
// sync master binds its socket to (without one it cannot send, and stopping
// it stalls the netlink request for seconds). Then a client of this
// namespace's IPVS.
tandem::ipvs::Client add_sync_link_and_open_client() {
  kt::run_checked({"ip", "link", "add", "sync0", "type", "dummy"});
  kt::run_checked({"ip", "addr", "add", "192.0.2.1/24", "dev", "sync0"});
  kt::run_checked({"ip", "link", "set", "sync0", "multicast", "on", "up"});
  auto c = tandem::ipvs::Client::open();
  REQUIRE(c);
  return std::move(c).value();
}

// Each test: a fresh network namespace (its own IPVS, no daemons), the sync
// link, a client and a loop.
struct SyncLab {
  kt::FreshNetns ns;
  tandem::ipvs::Client client = add_sync_link_and_open_client();
  asio::io_context io;
};

// The roles the kernel runs, read back through netlink.
std::set<std::string> kernel_roles(tandem::ipvs::Client& client) {
  auto daemons = client.sync_daemons();
  REQUIRE(daemons);
  std::set<std::string> out;
  for (const auto& d : daemons.value()) out.insert(d.role == Role::master ? "master" : "backup");
  return out;
}

// Runs the loop for `ms` (the lingers' timers fire in it), idle or not.
void run_for(asio::io_context& io, int ms) {
  auto busy = asio::make_work_guard(io);
  io.restart();
  io.run_for(std::chrono::milliseconds(ms));
}

// Lets the kernel threads of daemons just started run once. In UML 6.1 a
// backup daemon stopped before its thread first ran left the stop request
// unanswered for seconds (the netlink client's timeout), though the daemon was
// gone; tandem never stops a daemon that young but through a reload or a
// SIGTERM in the same moment as a VRRP transition.
void let_threads_start() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

const std::set<std::string> kNone{};
const std::set<std::string> kMaster{"master"};
const std::set<std::string> kBackup{"backup"};
const std::set<std::string> kBoth{"backup", "master"};

}  // namespace

TEST_CASE_METHOD(SyncLab, "sync roles follow VRRP, the role left lingers, then stops", "[kernel]") {
  SyncFollower f(io, client, "front", "sync0", 7, kLingers);

  f.follow(Role::backup);
  CHECK(kernel_roles(client) == kBackup);
  // Becoming master: the backup keeps listening for the old master's flush.
  f.follow(Role::master);
  CHECK(kernel_roles(client) == kBoth);
  run_for(io, 300);
  CHECK(kernel_roles(client) == kBoth);
  run_for(io, 400);
  CHECK(kernel_roles(client) == kMaster);
  // Leaving master: the master flushes for master_flush.
  f.follow(Role::backup);
  CHECK(kernel_roles(client) == kBoth);
  run_for(io, 500);
  CHECK(kernel_roles(client) == kBackup);
  auto daemons = client.sync_daemons();
  REQUIRE(daemons);
  CHECK(daemons.value().at(0).interface == "sync0");
  CHECK(daemons.value().at(0).sync_id == 7);
}

TEST_CASE_METHOD(SyncLab, "a role taken back within the linger keeps its daemon", "[kernel]") {
  SyncFollower f(io, client, "front", "sync0", 7, kLingers);
  f.follow(Role::master);
  f.follow(Role::backup);
  f.follow(Role::master);   // a flap: the master daemon never stopped
  CHECK(kernel_roles(client) == kBoth);
  run_for(io, 700);
  CHECK(kernel_roles(client) == kMaster);
}

TEST_CASE_METHOD(SyncLab, "a graceful stop lets the master flush before done; a hard stop is at once", "[kernel]") {
  {
    SyncFollower f(io, client, "front", "sync0", 7, kLingers);
    f.follow(Role::master);
    bool done = false;
    f.stop(true, [&] { done = true; });
    CHECK_FALSE(done);
    CHECK(kernel_roles(client) == kMaster);
    run_for(io, 500);
    CHECK(done);
    CHECK(kernel_roles(client) == kNone);
  }
  {
    SyncFollower f(io, client, "front", "sync0", 7, kLingers);
    f.follow(Role::master);
    f.follow(Role::backup);   // both run, the master lingering
    let_threads_start();
    bool done = false;
    f.stop(false, [&] { done = true; });
    CHECK(done);
    CHECK(kernel_roles(client) == kNone);
    run_for(io, 500);   // the cancelled linger does nothing
    CHECK(kernel_roles(client) == kNone);
  }
  {
    // A backup has nothing queued: even a graceful stop is at once.
    SyncFollower f(io, client, "front", "sync0", 7, kLingers);
    f.follow(Role::backup);
    let_threads_start();
    bool done = false;
    f.stop(true, [&] { done = true; });
    CHECK(done);
    CHECK(kernel_roles(client) == kNone);
  }
}

TEST_CASE_METHOD(SyncLab, "daemons a killed predecessor left are replaced", "[kernel]") {
  tandem::ipvs::SyncDaemon left;
  left.role = Role::master;
  left.interface = "sync0";
  left.sync_id = 99;
  REQUIRE_FALSE(client.start_sync_daemon(left));
  let_threads_start();   // it has run a while
  SyncFollower f(io, client, "front", "sync0", 7, kLingers);
  f.follow(Role::backup);
  CHECK(kernel_roles(client) == kBackup);
  run_for(io, 600);
  CHECK(kernel_roles(client) == kBackup);
  // And a master started over a leftover master runs with our sync id.
  REQUIRE_FALSE(client.stop_sync_daemon(Role::backup));
  REQUIRE_FALSE(client.start_sync_daemon(left));
  SyncFollower g(io, client, "front", "sync0", 7, kLingers);
  g.follow(Role::master);
  auto daemons = client.sync_daemons();
  REQUIRE(daemons);
  REQUIRE(daemons.value().size() == 1);
  CHECK(daemons.value()[0].sync_id == 7);
}

// ipvs::Client against a real IPVS (user-mode-linux or a host namespace), with
// two witnesses for every write: our own dump() and `ipvsadm -Ln` parsed by
// the kernel-test support library. Each case runs in a fresh network
// namespace, so each starts from an empty table and leaves nothing behind.
#include "ipvs/netlink/client.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

#include "ipvs/model/errc.hpp"
#include "ipvs/reconcile/plan.hpp"
#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/ipvsadm.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;
using namespace tandem;
using namespace tandem::ipvs;

namespace {

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

Client open_client() {
  auto c = Client::open();
  if (!c) FAIL("cannot open the IPVS client: " << c.error().message());
  return std::move(c).value();
}

Destination dest(const char* address, std::uint32_t weight, Forwarding f = Forwarding::masq) {
  Destination d;
  d.address = ep(address);
  d.config.weight = weight;
  d.config.forwarding = f;
  return d;
}

// A table with every attribute the model has, each away from its default.
Table rich_table() {
  Table t;
  Service web;
  web.key = ServiceKey::by_address(Protocol::tcp, ep("10.0.0.1:80"));
  web.config.scheduler = "wrr";
  web.config.persistent = true;
  web.config.persistence_timeout_s = 300;
  web.config.netmask_prefix = 24;
  Destination masq = dest("10.0.1.2:8080", 3);
  masq.config.upper_threshold = 100;
  masq.config.lower_threshold = 10;
  web.put(masq);
  web.put(dest("10.0.1.3:80", 0, Forwarding::route));
  Destination gue = dest("10.0.1.5:80", 2, Forwarding::tunnel);
  gue.config.tunnel_type = TunnelType::gue;
  gue.config.tunnel_port = 6080;
  web.put(gue);
  t.put(web);

  Service dns;
  dns.key = ServiceKey::by_address(Protocol::udp, ep("10.0.0.1:53"));
  dns.config.scheduler = "sh";
  dns.config.one_packet = true;
  dns.config.sched_flag1 = true;
  dns.config.sched_flag2 = true;
  dns.put(dest("10.0.1.4:53", 1, Forwarding::tunnel));
  t.put(dns);

  Service mark;
  mark.key = ServiceKey::by_fwmark(Family::v4, 7);
  mark.config.scheduler = "rr";
  mark.put(dest("10.0.1.6:0", 4, Forwarding::route));
  t.put(mark);

  Service v6;
  v6.key = ServiceKey::by_address(Protocol::tcp, ep("[2001:db8::1]:443"));
  v6.config.scheduler = "lc";
  v6.config.persistent = true;
  v6.config.persistence_timeout_s = 60;
  v6.config.netmask_prefix = 64;
  v6.put(dest("[2001:db8::2]:443", 5));
  t.put(v6);

  Service sctp;
  sctp.key = ServiceKey::by_address(Protocol::sctp, ep("10.0.0.2:3868"));
  sctp.config.scheduler = "rr";
  sctp.config.netmask_prefix = 32;
  t.put(sctp);
  return t;
}

void apply_or_fail(Client& client, const std::vector<Op>& ops) {
  const ApplyReport report = client.apply_all(ops);
  for (const auto& f : report.failures) FAIL_CHECK(f.message);
  REQUIRE(report.ok());
}

}  // namespace

TEST_CASE("the client reads the IPVS version and an empty table", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  auto info = client.info();
  REQUIRE(info);
  CHECK(info.value().version_text() == "1.2.1");
  CHECK(info.value().connection_table_size > 0);
  auto table = client.dump();
  REQUIRE(table);
  CHECK(table.value().services.empty());
  CHECK(client.writes_sent() == 0);
}

TEST_CASE("every attribute round-trips: our dump and ipvsadm agree", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  const Table desired = rich_table();
  apply_or_fail(client, plan(Table{}, desired, {}));

  auto dumped = client.dump();
  REQUIRE(dumped);
  CHECK(dumped.value() == desired);

  const auto seen = kt::observe_ipvs();
  REQUIRE(seen.services.size() == 5);
  const auto* web = seen.find("TCP", "10.0.0.1:80");
  REQUIRE(web != nullptr);
  CHECK(web->scheduler == "wrr");
  CHECK(web->persistent == 300u);
  CHECK(web->mask == "255.255.255.0");
  REQUIRE(web->find("10.0.1.2:8080") != nullptr);
  CHECK(web->find("10.0.1.2:8080")->forward == "Masq");
  CHECK(web->find("10.0.1.2:8080")->weight == 3);
  CHECK(web->find("10.0.1.2:8080")->upper_threshold == 100);
  CHECK(web->find("10.0.1.2:8080")->lower_threshold == 10);
  REQUIRE(web->find("10.0.1.3:80") != nullptr);
  CHECK(web->find("10.0.1.3:80")->forward == "Route");
  CHECK(web->find("10.0.1.3:80")->weight == 0);
  REQUIRE(web->find("10.0.1.5:80") != nullptr);
  CHECK(web->find("10.0.1.5:80")->forward == "Tunnel");

  const auto* dns = seen.find("UDP", "10.0.0.1:53");
  REQUIRE(dns != nullptr);
  CHECK(dns->scheduler == "sh");
  CHECK(dns->flags == std::vector<std::string>{"sh-fallback", "sh-port", "ops"});
  REQUIRE(dns->find("10.0.1.4:53") != nullptr);
  CHECK(dns->find("10.0.1.4:53")->forward == "Tunnel");

  const auto* mark = seen.find("FWM", "7");
  REQUIRE(mark != nullptr);
  CHECK(mark->scheduler == "rr");
  REQUIRE(mark->destinations.size() == 1);
  CHECK(mark->destinations[0].weight == 4);
  CHECK(mark->destinations[0].forward == "Route");

  const auto* v6 = seen.find("TCP", "[2001:db8::1]:443");
  REQUIRE(v6 != nullptr);
  CHECK(v6->scheduler == "lc");
  CHECK(v6->persistent == 60u);
  CHECK(v6->mask == "64");
  REQUIRE(v6->find("[2001:db8::2]:443") != nullptr);
  CHECK(v6->find("[2001:db8::2]:443")->weight == 5);

  REQUIRE(seen.find("SCTP", "10.0.0.2:3868") != nullptr);
}

TEST_CASE("edits change scheduler, persistence, weights and thresholds in place", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  Table desired = rich_table();
  apply_or_fail(client, plan(Table{}, desired, {}));

  Service& web = desired.services.at(ServiceKey::by_address(Protocol::tcp, ep("10.0.0.1:80")));
  web.config.scheduler = "rr";
  web.config.persistent = false;
  web.config.persistence_timeout_s = 0;
  web.config.netmask_prefix = 32;
  auto& masq = web.destinations.at(ep("10.0.1.2:8080"));
  masq.config.weight = 0;
  masq.config.upper_threshold = 7;
  masq.config.lower_threshold = 0;
  web.destinations.at(ep("10.0.1.3:80")).config.forwarding = Forwarding::masq;

  const auto ops = plan(client.dump().value(), desired, owned_after(desired));
  REQUIRE(ops.size() == 3);   // one service edit, two destination edits, no delete
  for (const Op& op : ops) {
    CHECK((std::holds_alternative<EditService>(op) || std::holds_alternative<EditDestination>(op)));
  }
  apply_or_fail(client, ops);
  CHECK(client.dump().value() == desired);

  const auto seen = kt::observe_ipvs();
  const auto* w = seen.find("TCP", "10.0.0.1:80");
  REQUIRE(w != nullptr);
  CHECK(w->scheduler == "rr");
  CHECK_FALSE(w->persistent.has_value());
  CHECK(w->find("10.0.1.2:8080")->weight == 0);
  CHECK(w->find("10.0.1.2:8080")->upper_threshold == 7);
  CHECK(w->find("10.0.1.3:80")->forward == "Masq");
}

TEST_CASE("a persistence engine (sip) round-trips and is reported by ipvsadm", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  Service sip;
  sip.key = ServiceKey::by_address(Protocol::udp, ep("10.0.0.5:5060"));
  sip.config.scheduler = "rr";
  sip.config.persistent = true;
  sip.config.persistence_timeout_s = 120;
  sip.config.persistence_engine = "sip";
  sip.put(dest("10.0.1.7:5060", 1));
  Table desired;
  desired.put(sip);
  apply_or_fail(client, plan(Table{}, desired, {}));
  CHECK(client.dump().value() == desired);
  const auto* seen = kt::observe_ipvs().find("UDP", "10.0.0.5:5060");
  REQUIRE(seen != nullptr);
  CHECK(seen->pe == "sip");
  CHECK(seen->persistent == 120u);

  // Dropping the engine is an edit of the service.
  sip.config.persistence_engine.clear();
  desired.put(sip);
  const auto ops = plan(client.dump().value(), desired, owned_after(desired));
  REQUIRE(ops.size() == 1);
  CHECK(std::holds_alternative<EditService>(ops[0]));
  apply_or_fail(client, ops);
  CHECK(client.dump().value() == desired);
}

TEST_CASE("IPv6 services take a prefix length as netmask, 128 by default", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  Service s;
  s.key = ServiceKey::by_address(Protocol::udp, ep("[2001:db8::53]:53"));
  s.config.scheduler = "rr";
  s.config.persistent = true;
  s.config.persistence_timeout_s = 30;
  s.config.netmask_prefix = 128;
  s.put(dest("[2001:db8::10]:53", 1));
  s.put(dest("[2001:db8::11]:5353", 2, Forwarding::route));
  Table desired;
  desired.put(s);
  apply_or_fail(client, plan(Table{}, desired, {}));
  CHECK(client.dump().value() == desired);
  const auto seen = kt::observe_ipvs();
  const auto* v6 = seen.find("UDP", "[2001:db8::53]:53");
  REQUIRE(v6 != nullptr);
  CHECK(v6->mask.empty());   // ipvsadm prints no mask for the full /128
  CHECK(v6->destinations.size() == 2);
  CHECK(kt::run_checked({"ipvsadm", "-Ln"}).find("persistent 30") != std::string::npos);
}

TEST_CASE("fwmark services, IPv4 and IPv6, round-trip and are deleted by mark", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  Table desired;
  for (auto family : {Family::v4, Family::v6}) {
    Service s;
    s.key = ServiceKey::by_fwmark(family, family == Family::v4 ? 1 : 0xfffffff0u);
    s.config.scheduler = "wlc";
    s.config.netmask_prefix = default_netmask_prefix(family);
    s.put(family == Family::v4 ? dest("10.0.1.9:0", 1, Forwarding::route)
                               : dest("[2001:db8::9]:0", 1, Forwarding::route));
    desired.put(s);
  }
  apply_or_fail(client, plan(Table{}, desired, {}));
  CHECK(client.dump().value() == desired);
  // The observer's parser does not read IPv6 fwmark lines ("FWM  -16 IPv6 wlc"),
  // so read ipvsadm's text directly. ipvsadm 1.31 prints the mark as a signed
  // int: 0xfffffff0 shows as -16, while our dump reads the exact u32 back.
  const std::string listing = kt::run_checked({"ipvsadm", "-Ln"});
  CHECK(listing.find("FWM  1 wlc") != std::string::npos);
  CHECK(listing.find("FWM  -16 IPv6 wlc") != std::string::npos);
  CHECK(listing.find("-> 10.1.1.9:0") == std::string::npos);   // sanity: nothing we did not write
  CHECK(listing.find("-> 10.0.1.9:0") != std::string::npos);
  CHECK(listing.find("-> [2001:db8::9]:0") != std::string::npos);

  apply_or_fail(client, plan(client.dump().value(), Table{}, owned_after(desired)));
  CHECK(client.dump().value().services.empty());
  CHECK(kt::observe_ipvs().services.empty());
}

TEST_CASE("applying the same desired table twice sends no second write", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  const Table desired = rich_table();
  auto first = reconcile_once(client, desired, {});
  REQUIRE(first);
  REQUIRE(first.value().report.ok());
  const std::uint64_t writes = client.writes_sent();
  CHECK(writes == first.value().ops.size());
  CHECK(writes == desired.services.size() + desired.destination_count());

  auto second = reconcile_once(client, desired, owned_after(desired));
  REQUIRE(second);
  CHECK(second.value().ops.empty());
  CHECK(client.writes_sent() == writes);

  // A restart: a new client with the same config changes nothing either.
  Client restarted = open_client();
  auto third = reconcile_once(restarted, desired, owned_after(desired));
  REQUIRE(third);
  CHECK(third.value().ops.empty());
  CHECK(restarted.writes_sent() == 0);
}

TEST_CASE("services someone else created survive untouched", "[kernel]") {
  kt::FreshNetns ns;
  kt::run_checked({"ipvsadm", "-A", "-t", "10.9.9.9:80", "-s", "rr"});
  kt::run_checked({"ipvsadm", "-a", "-t", "10.9.9.9:80", "-r", "10.9.1.1:80", "-m", "-w", "9"});
  kt::run_checked({"ipvsadm", "-A", "-f", "99", "-s", "lc"});
  Client client = open_client();
  const Table before = client.dump().value();

  Table desired = rich_table();
  REQUIRE(reconcile_once(client, desired, {}).value().report.ok());
  // Then tandem's config shrinks to one service: its old ones go, theirs stay.
  const OwnedSet owned = owned_after(desired);
  const auto keep = ServiceKey::by_address(Protocol::sctp, ep("10.0.0.2:3868"));
  Table smaller;
  smaller.put(desired.services.at(keep));
  auto outcome = reconcile_once(client, smaller, owned);
  REQUIRE(outcome);
  REQUIRE(outcome.value().report.ok());

  Table expected = before;
  expected.put(smaller.services.at(keep));
  CHECK(client.dump().value() == expected);
  const auto seen = kt::observe_ipvs();
  CHECK(seen.services.size() == 3);
  const auto* theirs = seen.find("TCP", "10.9.9.9:80");
  REQUIRE(theirs != nullptr);
  CHECK(theirs->scheduler == "rr");
  REQUIRE(theirs->find("10.9.1.1:80") != nullptr);
  CHECK(theirs->find("10.9.1.1:80")->weight == 9);
  CHECK(seen.find("FWM", "99") != nullptr);
}

TEST_CASE("a hand-deleted or hand-edited destination is put back by the next reconcile", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  const Table desired = rich_table();
  REQUIRE(reconcile_once(client, desired, {}).value().report.ok());
  const OwnedSet owned = owned_after(desired);

  kt::run_checked({"ipvsadm", "-d", "-t", "10.0.0.1:80", "-r", "10.0.1.2:8080"});
  kt::run_checked({"ipvsadm", "-e", "-t", "10.0.0.1:80", "-r", "10.0.1.3:80", "-g", "-w", "50"});
  kt::run_checked({"ipvsadm", "-D", "-f", "7"});
  REQUIRE(kt::observe_ipvs().find("TCP", "10.0.0.1:80")->find("10.0.1.2:8080") == nullptr);

  auto outcome = reconcile_once(client, desired, owned);
  REQUIRE(outcome);
  REQUIRE(outcome.value().report.ok());
  CHECK(outcome.value().ops.size() == 4);   // add dest, edit dest, add service, add its dest
  CHECK(client.dump().value() == desired);
  const auto seen = kt::observe_ipvs();
  REQUIRE(seen.find("TCP", "10.0.0.1:80")->find("10.0.1.2:8080") != nullptr);
  CHECK(seen.find("TCP", "10.0.0.1:80")->find("10.0.1.2:8080")->weight == 3);
  CHECK(seen.find("TCP", "10.0.0.1:80")->find("10.0.1.3:80")->weight == 0);
  CHECK(seen.find("FWM", "7") != nullptr);
}

TEST_CASE("kernel refusals keep their errno and name the object", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  const auto key = ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80"));
  ServiceConfig bad;
  bad.scheduler = "foo";
  const Op add_bad = AddService{key, bad};
  const std::error_code no_sched = client.apply(add_bad);
  CHECK(no_sched == std::error_code(ENOENT, std::system_category()));
  CHECK_THAT(describe_failure(add_bad, no_sched),
             Catch::StartsWith("service 192.0.2.1:80/tcp: scheduler 'foo' not available in this kernel"));

  ServiceConfig good;
  good.scheduler = "rr";
  REQUIRE_FALSE(client.apply(AddService{key, good}));
  const std::error_code dup = client.apply(AddService{key, good});
  CHECK(dup == std::error_code(EEXIST, std::system_category()));
  CHECK_THAT(describe_failure(AddService{key, good}, dup),
             Catch::StartsWith("service 192.0.2.1:80/tcp: service already exists"));

  const auto missing = ServiceKey::by_address(Protocol::tcp, ep("192.0.2.99:80"));
  const std::error_code gone = client.apply(DeleteService{missing});
  CHECK(gone == std::error_code(ESRCH, std::system_category()));
  CHECK_THAT(describe_failure(DeleteService{missing}, gone),
             Catch::StartsWith("service 192.0.2.99:80/tcp: no such service"));

  const Op edit_missing_dest = EditDestination{key, ep("10.0.0.1:80"), DestinationConfig{}};
  const std::error_code no_dest = client.apply(edit_missing_dest);
  CHECK(no_dest == std::error_code(ENOENT, std::system_category()));
  CHECK_THAT(describe_failure(edit_missing_dest, no_dest),
             Catch::StartsWith("service 192.0.2.1:80/tcp destination 10.0.0.1:80: no such destination"));

  // In a batch, each failure is reported at its index and the rest still apply.
  const std::vector<Op> batch = {AddDestination{key, ep("10.0.0.1:80"), DestinationConfig{}},
                                 AddDestination{key, ep("10.0.0.1:80"), DestinationConfig{}},
                                 AddService{missing, bad},
                                 AddDestination{key, ep("10.0.0.2:80"), DestinationConfig{}}};
  const ApplyReport report = client.apply_all(batch);
  CHECK(report.sent == 4);
  REQUIRE(report.failures.size() == 2);
  CHECK(report.failures[0].index == 1);
  CHECK(report.failures[0].code == std::error_code(EEXIST, std::system_category()));
  CHECK(report.failures[1].index == 2);
  CHECK_THAT(report.failures[1].message, Catch::Contains("scheduler 'foo' not available"));
  CHECK(client.dump().value().services.at(key).destinations.size() == 2);
}

TEST_CASE("a large batch is applied completely and read back in one dump", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  Table desired;
  for (int s = 0; s < 20; ++s) {
    Service svc;
    svc.key = ServiceKey::by_address(Protocol::tcp, Endpoint{IpAddress::v4({10, 1, 0, static_cast<std::uint8_t>(s)}), 80});
    svc.config.scheduler = "wrr";
    for (int d = 0; d < 150; ++d) {
      Destination dd;
      dd.address = Endpoint{IpAddress::v4({10, 2, static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(s)}), 8080};
      dd.config.weight = static_cast<std::uint32_t>(d);
      svc.put(dd);
    }
    desired.put(svc);
  }
  auto outcome = reconcile_once(client, desired, {});
  REQUIRE(outcome);
  CHECK(outcome.value().report.ok());
  CHECK(outcome.value().report.sent == 20 + 3000 + 20);   // each built dark: one more edit
  CHECK(client.dump().value() == desired);
  CHECK(kt::observe_ipvs().destination_count() == 3000);
}

TEST_CASE("timeouts and the sync daemon are set and read back", "[kernel]") {
  kt::FreshNetns ns;
  Client client = open_client();
  REQUIRE_FALSE(client.set_timeouts(Timeouts{901, 121, 301}));
  auto t = client.timeouts();
  REQUIRE(t);
  CHECK(t.value() == Timeouts{901, 121, 301});
  CHECK(kt::run_checked({"ipvsadm", "-L", "--timeout"}).find("901 121 301") != std::string::npos);

  kt::run_checked({"ip", "link", "add", "sync0", "type", "dummy"});
  kt::run_checked({"ip", "link", "set", "sync0", "multicast", "on", "up"});
  SyncDaemon d;
  d.role = SyncDaemon::Role::master;
  d.interface = "sync0";
  d.sync_id = 42;
  REQUIRE_FALSE(client.start_sync_daemon(d));
  auto daemons = client.sync_daemons();
  REQUIRE(daemons);
  REQUIRE(daemons.value().size() == 1);
  CHECK(daemons.value()[0].interface == "sync0");
  CHECK(daemons.value()[0].sync_id == 42);
  CHECK(kt::run_checked({"ipvsadm", "-L", "--daemon"}).find("master sync daemon") != std::string::npos);
  CHECK(client.start_sync_daemon(d) == std::error_code(EEXIST, std::system_category()));
  REQUIRE_FALSE(client.stop_sync_daemon(SyncDaemon::Role::master));
  CHECK(client.sync_daemons().value().empty());
}

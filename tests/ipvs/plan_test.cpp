#include "ipvs/reconcile/plan.hpp"

#include <catch2/catch.hpp>

using namespace tandem;
using namespace tandem::ipvs;

namespace {

Endpoint ep(const char* text) { return *Endpoint::parse(text); }
ServiceKey tcp(const char* text) { return ServiceKey::by_address(Protocol::tcp, ep(text)); }

Service service(const ServiceKey& key, std::initializer_list<std::pair<const char*, std::uint32_t>> reals,
                const char* scheduler = "wrr") {
  Service s;
  s.key = key;
  s.config.scheduler = scheduler;
  for (const auto& [address, weight] : reals) {
    Destination d;
    d.address = ep(address);
    d.config.weight = weight;
    s.put(d);
  }
  return s;
}

Table table(std::initializer_list<Service> services) {
  Table t;
  for (const auto& s : services) t.put(s);
  return t;
}

DestinationConfig weight(std::uint32_t w) {
  DestinationConfig c;
  c.weight = w;
  return c;
}

// Applies `ops` to `t` with apply_to, which is what the kernel does with
// them (tests/kernel/ checks the real kernel), to check that a plan really
// reaches the desired table.
void apply_like_kernel(Table& t, const std::vector<Op>& ops) {
  for (const Op& op : ops) apply_to(t, op);
}

}  // namespace

TEST_CASE("an empty kernel gets the service, then its destinations", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}, {"10.0.0.2:80", 2}})});
  const auto ops = plan(Table{}, desired, {});
  REQUIRE(ops.size() == 3);
  CHECK(ops[0] == Op{AddService{key, desired.services.at(key).config}});
  CHECK(ops[1] == Op{AddDestination{key, ep("10.0.0.1:80"), weight(1)}});
  CHECK(ops[2] == Op{AddDestination{key, ep("10.0.0.2:80"), weight(2)}});
}

TEST_CASE("a matching kernel needs no operation, so a second apply writes nothing", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}})});
  Table actual;
  apply_like_kernel(actual, plan(actual, desired, {}));
  CHECK(actual == desired);
  CHECK(plan(actual, desired, owned_after(desired)).empty());
}

TEST_CASE("counters in the kernel's table do not cause operations", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}})});
  Table actual = desired;
  actual.services.at(key).stats.connections = 10;
  actual.services.at(key).destinations.begin()->second.active_connections = 4;
  CHECK(plan(actual, desired, owned_after(desired)).empty());
}

TEST_CASE("a weight change is an edit of the destination, never delete + add", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table actual = table({service(key, {{"10.0.0.1:80", 5}})});
  const Table desired = table({service(key, {{"10.0.0.1:80", 0}})});
  const auto ops = plan(actual, desired, owned_after(desired));
  REQUIRE(ops.size() == 1);
  CHECK(ops[0] == Op{EditDestination{key, ep("10.0.0.1:80"), weight(0)}});
}

TEST_CASE("threshold and forwarding changes are edits of the destination", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table actual = table({service(key, {{"10.0.0.1:80", 1}})});
  Table desired = actual;
  auto& d = desired.services.at(key).destinations.begin()->second;
  d.config.upper_threshold = 100;
  d.config.lower_threshold = 50;
  d.config.forwarding = Forwarding::route;
  const auto ops = plan(actual, desired, owned_after(desired));
  REQUIRE(ops.size() == 1);
  CHECK(std::holds_alternative<EditDestination>(ops[0]));
}

TEST_CASE("a scheduler or persistence change is an edit of the service", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table actual = table({service(key, {{"10.0.0.1:80", 1}}, "wlc")});
  Table desired = table({service(key, {{"10.0.0.1:80", 1}}, "rr")});
  desired.services.at(key).config.persistent = true;
  desired.services.at(key).config.persistence_timeout_s = 300;
  const auto ops = plan(actual, desired, owned_after(desired));
  REQUIRE(ops.size() == 1);
  CHECK(ops[0] == Op{EditService{key, desired.services.at(key).config}});
}

TEST_CASE("destinations not in the desired service are deleted, before additions", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table actual = table({service(key, {{"10.0.0.1:80", 1}, {"10.0.0.9:80", 1}})});
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}})});
  const auto ops = plan(actual, desired, owned_after(desired));
  REQUIRE(ops.size() == 2);
  CHECK(ops[0] == Op{DeleteDestination{key, ep("10.0.0.9:80")}});
  CHECK(ops[1] == Op{AddDestination{key, ep("10.0.0.2:80"), weight(1)}});
}

TEST_CASE("services tandem does not own are never touched", "[unit]") {
  const auto mine = tcp("192.0.2.1:80");
  const auto theirs = tcp("192.0.2.2:80");
  const Table actual = table({service(mine, {{"10.0.0.1:80", 1}}), service(theirs, {{"10.0.0.5:80", 1}})});
  const Table desired = table({service(mine, {{"10.0.0.1:80", 1}})});
  CHECK(plan(actual, desired, {mine}).empty());
  CHECK(plan(actual, Table{}, {mine}) == std::vector<Op>{DeleteService{mine}});
}

TEST_CASE("an owned service removed from the config is deleted at the next start", "[unit]") {
  const auto gone = tcp("192.0.2.3:80");
  const auto kept = tcp("192.0.2.1:80");
  const Table actual = table({service(gone, {{"10.0.0.1:80", 1}}), service(kept, {{"10.0.0.1:80", 1}})});
  const Table desired = table({service(kept, {{"10.0.0.1:80", 1}})});
  const auto ops = plan(actual, desired, {gone, kept});
  REQUIRE(ops.size() == 1);
  CHECK(ops[0] == Op{DeleteService{gone}});
  // Owned but already gone from the kernel: nothing to do.
  CHECK(plan(desired, desired, {gone, kept}).empty());
}

TEST_CASE("a service in the config but made by someone else is adopted", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table actual = table({service(key, {{"10.0.0.1:80", 1}, {"10.0.0.7:80", 3}})});
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}})});
  CHECK(plan(actual, desired, {}) == std::vector<Op>{DeleteDestination{key, ep("10.0.0.7:80")}});
  CHECK(with_desired({}, desired) == OwnedSet{key});
}

TEST_CASE("a hand-deleted destination or service is put back", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  const Table desired = table({service(key, {{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}})});
  Table actual = desired;
  actual.services.at(key).destinations.erase(ep("10.0.0.2:80"));
  CHECK(plan(actual, desired, {key}) ==
        std::vector<Op>{AddDestination{key, ep("10.0.0.2:80"), weight(1)}});
  apply_like_kernel(actual, plan(Table{}, desired, {key}));
  CHECK(actual == desired);
}

TEST_CASE("IPv6 and fwmark services plan like any other", "[unit]") {
  const auto v6 = ServiceKey::by_address(Protocol::tcp, ep("[2001:db8::1]:443"));
  const auto mark = ServiceKey::by_fwmark(Family::v4, 7);
  Table desired = table({service(v6, {{"[2001:db8::10]:443", 1}}), service(mark, {{"10.0.0.1:0", 1}})});
  Table actual;
  apply_like_kernel(actual, plan(actual, desired, {}));
  CHECK(actual == desired);
  CHECK(plan(actual, desired, owned_after(desired)).empty());
}

TEST_CASE("a mixed plan reaches the desired table in one pass", "[unit]") {
  const auto a = tcp("192.0.2.1:80");
  const auto b = tcp("192.0.2.2:80");
  const auto c = tcp("192.0.2.3:80");
  const auto foreign = tcp("192.0.2.9:80");
  Table actual = table({service(a, {{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}}, "wlc"),
                        service(b, {{"10.0.0.3:80", 7}}), service(foreign, {{"10.0.0.4:80", 1}})});
  const Table desired = table({service(a, {{"10.0.0.2:80", 3}, {"10.0.0.5:80", 1}}, "rr"),
                               service(c, {{"10.0.0.6:80", 1}})});
  apply_like_kernel(actual, plan(actual, desired, {a, b}));
  Table expected = desired;
  expected.put(service(foreign, {{"10.0.0.4:80", 1}}));
  CHECK(actual == expected);
}

TEST_CASE("a new service with many destinations is built dark, then switched on", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  Service big;
  big.key = key;
  big.config.scheduler = "wrr";
  for (std::uint8_t i = 1; i <= kDarkBuildMin; ++i) {
    Destination d;
    d.address = Endpoint{IpAddress::v4({10, 0, 0, i}), 80};
    big.put(d);
  }
  Table desired;
  desired.put(big);
  const auto ops = plan(Table{}, desired, {});
  REQUIRE(ops.size() == kDarkBuildMin + 2);
  ServiceConfig dark = big.config;
  dark.scheduler = "none";
  CHECK(ops.front() == Op{AddService{key, dark}});
  CHECK(ops.back() == Op{EditService{key, big.config}});
  Table actual;
  apply_like_kernel(actual, ops);
  CHECK(actual == desired);
  CHECK(plan(actual, desired, owned_after(desired)).empty());

  // One destination fewer: built directly.
  big.destinations.erase(big.destinations.begin());
  desired.put(big);
  CHECK(plan(Table{}, desired, {}).front() == Op{AddService{key, big.config}});
}

TEST_CASE("apply_to keeps the counters of what an operation only edits", "[unit]") {
  const auto key = tcp("192.0.2.1:80");
  Table t = table({service(key, {{"10.0.0.1:80", 5}})});
  t.services.at(key).destinations.at(ep("10.0.0.1:80")).active_connections = 42;
  apply_to(t, EditDestination{key, ep("10.0.0.1:80"), weight(0)});
  apply_to(t, AddDestination{key, ep("10.0.0.2:80"), weight(3)});
  ServiceConfig rr;
  rr.scheduler = "rr";
  apply_to(t, EditService{key, rr});
  const Service& s = t.services.at(key);
  CHECK(s.config.scheduler == "rr");
  CHECK(s.destinations.at(ep("10.0.0.1:80")).config.weight == 0);
  CHECK(s.destinations.at(ep("10.0.0.1:80")).active_connections == 42);
  CHECK(s.destinations.at(ep("10.0.0.2:80")).config.weight == 3);
  CHECK(s.destinations.at(ep("10.0.0.2:80")).active_connections == 0);
  apply_to(t, DeleteDestination{key, ep("10.0.0.1:80")});
  CHECK(t.services.at(key).destinations.size() == 1);
  apply_to(t, DeleteService{key});
  CHECK(t.services.empty());
}

// director/desired: the translation of a loaded config into the IPVS table.
// Lives with the IPVS tests because it is the IPVS side of the config.
#include "director/desired/desired_table.hpp"

#include <catch2/catch.hpp>

#include "conf/load.hpp"

using namespace tandem;

namespace {

conf::Config load(const char* text) {
  auto r = conf::load_string(text, "test.toml");
  for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
  REQUIRE(r.config);
  return *r.config;
}

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

constexpr const char* kConfig = R"(
[[service]]
name = "web"
address = "192.0.2.100:80"
scheduler = "wrr"
persistence = "5m"
persistence_netmask = 24

[[service.real]]
address = "10.0.1.11:80"
weight = 100
upper_threshold = 500
lower_threshold = 400

[[service.real]]
address = "10.0.1.12:80"
weight = 50
forwarding = "dr"

[[service]]
name = "dns"
address = "[2001:db8::53]:53"
protocol = "udp"
scheduler = "sh"
one_packet = true
forwarding = "tunnel"

[[service.real]]
address = "[2001:db8::10]:53"

[[service]]
name = "marked"
fwmark = 7
scheduler = "rr"
forwarding = "dr"

[[service.real]]
address = "10.0.1.20:80"
weight = 3
)";

}  // namespace

TEST_CASE("services and real servers become IPVS services and destinations", "[unit]") {
  const ipvs::Table t = desired::desired_table(load(kConfig));
  REQUIRE(t.services.size() == 3);

  const auto web_key = ipvs::ServiceKey::by_address(Protocol::tcp, ep("192.0.2.100:80"));
  const ipvs::Service& web = t.services.at(web_key);
  CHECK(web.config.scheduler == "wrr");
  CHECK(web.config.persistent);
  CHECK(web.config.persistence_timeout_s == 300);
  CHECK(web.config.netmask_prefix == 24);
  const auto& r1 = web.destinations.at(ep("10.0.1.11:80")).config;
  CHECK(r1.forwarding == ipvs::Forwarding::masq);
  CHECK(r1.weight == 100);
  CHECK(r1.upper_threshold == 500);
  CHECK(r1.lower_threshold == 400);
  CHECK(web.destinations.at(ep("10.0.1.12:80")).config.forwarding == ipvs::Forwarding::route);

  const ipvs::Service& dns = t.services.at(ipvs::ServiceKey::by_address(Protocol::udp, ep("[2001:db8::53]:53")));
  CHECK(dns.config.one_packet);
  CHECK_FALSE(dns.config.persistent);
  CHECK(dns.config.netmask_prefix == 128);
  CHECK(dns.destinations.at(ep("[2001:db8::10]:53")).config.forwarding == ipvs::Forwarding::tunnel);
  CHECK(dns.destinations.at(ep("[2001:db8::10]:53")).config.weight == 1);

  const ipvs::Service& mark = t.services.at(ipvs::ServiceKey::by_fwmark(Family::v4, 7));
  CHECK(mark.config.netmask_prefix == 32);
  CHECK(mark.destinations.at(ep("10.0.1.20:80")).config.weight == 3);
}

TEST_CASE("effective states quiesce or remove real servers", "[unit]") {
  const conf::Config config = load(kConfig);
  desired::RealStates states;
  states[{"web", ep("10.0.1.11:80")}] = desired::RealState{true, 0};
  states[{"web", ep("10.0.1.12:80")}] = desired::RealState{false, std::nullopt};
  const ipvs::Table t = desired::desired_table(config, states);
  const auto& web = t.services.at(ipvs::ServiceKey::by_address(Protocol::tcp, ep("192.0.2.100:80")));
  REQUIRE(web.destinations.size() == 1);
  CHECK(web.destinations.at(ep("10.0.1.11:80")).config.weight == 0);
}

TEST_CASE("a service below quorum gets its sorry server, with its weight", "[unit]") {
  const conf::Config config = load(R"(
[[service]]
name = "web"
address = "192.0.2.100:80"
forwarding = "dr"
sorry_server = "192.0.2.50:80"
sorry_weight = 7

[[service.real]]
address = "10.0.1.11:80"
)");
  const auto key = ipvs::ServiceKey::by_address(Protocol::tcp, ep("192.0.2.100:80"));
  CHECK(desired::desired_table(config).services.at(key).destinations.size() == 1);
  const ipvs::Table t = desired::desired_table(config, {}, {"web"});
  const auto& sorry = t.services.at(key).destinations.at(ep("192.0.2.50:80")).config;
  CHECK(sorry.weight == 7);
  CHECK(sorry.forwarding == ipvs::Forwarding::route);
}

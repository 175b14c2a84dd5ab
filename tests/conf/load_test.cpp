#include "conf/load.hpp"

#include <catch2/catch.hpp>

#include <random>

#include <fmt/format.h>

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::conf;

namespace {

Config load_ok(std::string_view text) {
  auto r = load_string(text, "test.toml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.config);
  return *r.config;
}

std::string example(const char* name) {
  return std::string(TANDEM_SOURCE_DIR_PATH) + "/examples/" + name;
}

}  // namespace

TEST_CASE("an empty file is a valid config with every default", "[unit]") {
  const Config c = load_ok("");
  CHECK(c.services.empty());
  CHECK(c.vrrp.empty());
  CHECK(c.director == DirectorSettings{});
  CHECK(c.director.reconcile_interval == 5s);
  CHECK(c.director.control_socket == "/run/tandem/control.sock");
}

TEST_CASE("service checks are inherited, overridden and replaced per real server", "[unit]") {
  const Config c = load_ok(R"(
[[service]]
name = "web"
address = "192.0.2.1:80"

[service.check]
type = "http"
path = "/healthz"
interval = "3s"
timeout = "1s"

[[service.real]]
address = "10.0.0.1:80"

[[service.real]]
address = "10.0.0.2:80"
check = { connect_port = 8081, timeout = "2s" }

[[service.real]]
address = "10.0.0.3:80"
check = { type = "tcp" }

[[service.real]]
address = "10.0.0.4:80"
check = []
)");
  REQUIRE(c.services.size() == 1);
  const auto& reals = c.services[0].reals;
  REQUIRE(reals.size() == 4);

  REQUIRE(reals[0].checks.size() == 1);
  CHECK(reals[0].checks[0].type == CheckType::http);
  CHECK(reals[0].checks[0].path == "/healthz");
  CHECK(reals[0].checks[0].interval == 3s);

  REQUIRE(reals[1].checks.size() == 1);
  CHECK(reals[1].checks[0].type == CheckType::http);
  CHECK(reals[1].checks[0].path == "/healthz");
  CHECK(reals[1].checks[0].connect_port == 8081);
  CHECK(reals[1].checks[0].timeout == 2s);
  CHECK(reals[1].checks[0].interval == 3s);

  REQUIRE(reals[2].checks.size() == 1);
  CHECK(reals[2].checks[0].type == CheckType::tcp);
  CHECK(reals[2].checks[0].interval == 2s);  // built-in default, not the service's

  CHECK(reals[3].checks.empty());
}

TEST_CASE("an override applies each key only to the checks it fits", "[unit]") {
  const Config c = load_ok(R"(
[[service]]
name = "web"
address = "192.0.2.1:80"

[[service.check]]
type = "tcp"

[[service.check]]
type = "http"
path = "/a"

[[service.real]]
address = "10.0.0.1:80"
check = { path = "/b", rise = 5 }
)");
  const auto& checks = c.services[0].reals[0].checks;
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].type == CheckType::tcp);
  CHECK(checks[0].path == "/");
  CHECK(checks[0].rise == 5);
  CHECK(checks[1].path == "/b");
  CHECK(checks[1].rise == 5);
}

TEST_CASE("the full example loads with the values it sets", "[unit]") {
  const auto r = load_file(example("everything.toml"));
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.config);
  const Config& c = *r.config;
  CHECK(c.director.name == "lb-east-1");
  CHECK(c.director.control_socket_group == "adm");
  CHECK(c.director.metrics_listen == Endpoint::parse("[::1]:9469"));
  CHECK(c.director.log_level == LogLevel::debug);
  CHECK(c.director.max_concurrent_probes == 512);
  REQUIRE(c.vrrp.size() == 2);
  CHECK(c.vrrp[0].advert_interval == 100ms);
  CHECK(c.vrrp[0].checksum == VrrpChecksum::accept_either);
  CHECK(c.vrrp[0].unicast_peers == std::vector{*IpAddress::parse("198.51.100.3")});
  CHECK(c.vrrp[0].virtual_ips.size() == 2);
  CHECK(c.vrrp[0].notify.command == std::vector<std::string>{"/usr/local/bin/vrrp-notify", "--site", "fra1"});
  CHECK(c.vrrp[0].notify.timeout == 5s);
  CHECK(c.vrrp[0].sync_interface == "bond1");
  CHECK(c.vrrp[0].sync_id == 51);
  CHECK(c.vrrp[1].version == 2);
  CHECK_FALSE(c.vrrp[1].preempt);
  CHECK(c.vrrp[1].notify.command.empty());
  CHECK(c.vrrp[1].sync_interface.empty());
  CHECK(c.vrrp[1].sync_id == 52);  // defaults to the vrid
  REQUIRE(c.services.size() == 3);
  const Service& https = c.services[0];
  CHECK(https.scheduler == "mh");
  CHECK(https.forwarding == Forwarding::dr);
  CHECK(https.persistence == 5min);
  CHECK(https.persistence_netmask == 24);
  CHECK(https.quorum_by == QuorumBy::weight);
  CHECK(https.on_quorum_lost.command ==
        std::vector<std::string>{"/usr/local/bin/page-oncall", "https", "lost"});
  CHECK(https.on_quorum_lost.timeout == 5s);
  REQUIRE(https.reals.size() == 2);
  const CheckSpec& tls = https.reals[0].checks.at(0);
  CHECK(tls.type == CheckType::https);
  CHECK(tls.headers.at("User-Agent") == "tandem-check");
  CHECK(tls.expect_status == std::vector{StatusRange{200, 204}});
  CHECK(tls.fast_interval == 500ms);
  CHECK(tls.down_interval == 10s);
  CHECK(https.reals[1].checks.at(0).timeout == 1s);
  CHECK(https.reals[1].checks.at(0).connect_address == IpAddress::parse("198.51.100.122"));
  CHECK(https.reals[1].checks.at(1).type == CheckType::exec);
  CHECK(https.reals[1].checks.at(1).timeout == 1s);
  const Service& mail = c.services[2];
  CHECK(mail.fwmark == 7u);
  CHECK(mail.fwmark_family == Family::v6);
  CHECK(mail.reals[1].checks.empty());
}

// Property: a randomly generated config written as TOML loads back to the
// values it was generated from.
TEST_CASE("random configs round-trip through TOML", "[unit]") {
  std::mt19937 rng(20261127);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::string> schedulers = known_schedulers();
  for (int round = 0; round < 50; ++round) {
    std::string text;
    struct Expect {
      Endpoint address;
      std::string scheduler;
      std::vector<std::pair<Endpoint, std::uint32_t>> reals;
      Duration interval;
      std::uint32_t rise;
    };
    std::vector<Expect> expected;
    const int services = pick(1, 6);
    for (int s = 0; s < services; ++s) {
      Expect e;
      e.address = *Endpoint::parse(fmt::format("192.0.{}.{}:{}", s, pick(1, 254), pick(1, 65535)));
      e.scheduler = schedulers[static_cast<std::size_t>(pick(0, static_cast<int>(schedulers.size()) - 1))];
      e.interval = std::chrono::milliseconds(pick(1, 600) * 100);
      e.rise = static_cast<std::uint32_t>(pick(1, 10));
      text += fmt::format("[[service]]\nname = \"s{}\"\naddress = \"{}\"\nscheduler = \"{}\"\n", s, e.address,
                          e.scheduler);
      text += fmt::format("[service.check]\ntype = \"tcp\"\ninterval = \"{}\"\ntimeout = \"10ms\"\nrise = {}\n",
                          format_duration(e.interval), e.rise);
      const int reals = pick(0, 5);
      for (int r = 0; r < reals; ++r) {
        Endpoint addr = *Endpoint::parse(fmt::format("10.{}.{}.{}:{}", s, r, pick(1, 254), pick(1, 65535)));
        const auto weight = static_cast<std::uint32_t>(pick(0, 65535));
        e.reals.emplace_back(addr, weight);
        text += fmt::format("[[service.real]]\naddress = \"{}\"\nweight = {}\n", addr, weight);
      }
      expected.push_back(e);
    }
    INFO(text);
    const Config c = load_ok(text);
    REQUIRE(c.services.size() == expected.size());
    for (std::size_t s = 0; s < expected.size(); ++s) {
      CHECK(c.services[s].address == expected[s].address);
      CHECK(c.services[s].scheduler == expected[s].scheduler);
      REQUIRE(c.services[s].reals.size() == expected[s].reals.size());
      for (std::size_t r = 0; r < expected[s].reals.size(); ++r) {
        CHECK(c.services[s].reals[r].address == expected[s].reals[r].first);
        CHECK(c.services[s].reals[r].weight == expected[s].reals[r].second);
        REQUIRE(c.services[s].reals[r].checks.size() == 1);
        CHECK(c.services[s].reals[r].checks[0].interval == expected[s].interval);
        CHECK(c.services[s].reals[r].checks[0].rise == expected[s].rise);
      }
    }
  }
}

TEST_CASE("an unreadable file is one clear error", "[unit]") {
  const auto r = load_file("/nonexistent/tandem.toml");
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "/nonexistent/tandem.toml: cannot read the file: No such file or directory");
}

#include "director/status/render.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using namespace tandem::director;

namespace {

const WallTime kNow = WallTime{} + std::chrono::hours(24 * 365 * 56);  // a fixed instant

Snapshot sample() {
  Snapshot s;
  s.director = "lb1";
  s.version = "0.1.0";
  s.config_file = "/etc/tandem/tandem.toml";
  s.config_loaded_at = kNow - 300s;
  s.reconcile.at = kNow - 2s;
  s.reconcile.total_writes = 12;
  ServiceStatus web;
  web.name = "web";
  web.key = "192.0.2.100:80/tcp";
  web.scheduler = "wrr";
  web.healthy = 1;
  web.quorum = 2;
  web.quorum_by = "count";
  web.quorum_met = false;
  web.sorry_active = true;
  RealStatus a;
  a.address = "10.0.1.11:8080";
  a.health = "up";
  a.reason = "HTTP 200";
  a.since = kNow - 90s;
  a.configured_weight = 100;
  a.desired_weight = 100;
  a.kernel_weight = 100;
  CheckStatus c;
  c.label = "http GET /healthz";
  c.kind = "http";
  c.up = true;
  c.durations.observe(0.003);
  c.durations.observe(0.2);
  a.checks.push_back(c);
  RealStatus b;
  b.address = "10.0.1.12:8080";
  b.health = "down";
  b.reason = "HTTP 503 (expected 200)";
  b.since = kNow - 30s;
  b.configured_weight = 100;
  b.desired_weight = 0;
  b.kernel_weight = 100;
  b.transitions.push_back({"http_status", "down", 3});
  web.reals = {a, b};
  s.services.push_back(web);
  VrrpStatus v;
  v.name = "front";
  v.interface = "eth0";
  v.vrid = 51;
  v.state = "master";
  v.priority = 150;
  v.effective_priority = 100;
  v.adverts_sent = 42;
  v.invalid_by_reason = {{"bad_ttl", 2}};
  s.vrrp.push_back(v);
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("the status table shows health, reason, weights and quorum", "[unit]") {
  const std::string t = render_status_text(sample(), kNow);
  INFO(t);
  CHECK(t.find("director lb1 (tandem 0.1.0)") == 0);
  CHECK(t.find("last reconcile 2s ago: 0 change(s), 0 failure(s)") != std::string::npos);
  CHECK(t.find("SERVICE") != std::string::npos);
  CHECK(t.find("10.0.1.11:8080  up      90s ago  100") != std::string::npos);
  CHECK(t.find("100 (-> 0)") != std::string::npos);  // kernel still 100, policy wants 0
  CHECK(t.find("HTTP 503 (expected 200)") != std::string::npos);
  CHECK(has_line(t, "web: 1 of quorum 2 (count) - QUORUM LOST, sorry server active"));
  CHECK(t.find("100 (configured 150)") != std::string::npos);
}

TEST_CASE("a failed reload is shown with every error", "[unit]") {
  Snapshot s = sample();
  s.reload_errors = {"a.toml:3:1: x: bad", "a.toml:4:1: y: worse"};
  const std::string t = render_status_text(s, kNow);
  CHECK(t.find("reload   FAILED, still running the config above:") != std::string::npos);
  CHECK(has_line(t, "  a.toml:4:1: y: worse"));
}

TEST_CASE("the JSON status carries checks, IPVS and VRRP together", "[unit]") {
  const auto j = nlohmann::json::parse(render_status_json(sample()));
  CHECK(j["director"] == "lb1");
  CHECK(j["ipvs"]["total_writes"] == 12);
  const auto& real = j["services"][0]["reals"][1];
  CHECK(real["health"] == "down");
  CHECK(real["kernel_weight"] == 100);
  CHECK(real["desired_weight"] == 0);
  CHECK(real["manual_weight"].is_null());
  CHECK(j["services"][0]["reals"][0]["checks"][0]["probes"] == 2);
  CHECK(j["vrrp"][0]["state"] == "master");
  CHECK(j["vrrp"][0]["invalid_packets"]["bad_ttl"] == 2);
  CHECK(j["config"]["reload_errors"].empty());
}

TEST_CASE("metrics follow the Prometheus text format", "[unit]") {
  const std::string m = render_metrics(sample());
  INFO(m);
  CHECK(has_line(m, "# TYPE tandem_real_up gauge"));
  CHECK(has_line(m, "tandem_real_up{service=\"web\",real=\"10.0.1.11:8080\"} 1"));
  CHECK(has_line(m, "tandem_real_up{service=\"web\",real=\"10.0.1.12:8080\"} 0"));
  CHECK(has_line(m, "tandem_real_weight{service=\"web\",real=\"10.0.1.12:8080\"} 100"));
  CHECK(has_line(m, "tandem_service_quorum_met{service=\"web\"} 0"));
  CHECK(has_line(m, "tandem_real_transitions_total{service=\"web\",real=\"10.0.1.12:8080\",to=\"down\",reason=\"http_status\"} 3"));
  CHECK(has_line(m, "tandem_check_duration_seconds_bucket{service=\"web\",real=\"10.0.1.11:8080\",check=\"http GET /healthz\",le=\"0.005\"} 1"));
  CHECK(has_line(m, "tandem_check_duration_seconds_bucket{service=\"web\",real=\"10.0.1.11:8080\",check=\"http GET /healthz\",le=\"+Inf\"} 2"));
  CHECK(has_line(m, "tandem_check_duration_seconds_count{service=\"web\",real=\"10.0.1.11:8080\",check=\"http GET /healthz\"} 2"));
  CHECK(has_line(m, "tandem_vrrp_state{instance=\"front\",state=\"master\"} 1"));
  CHECK(has_line(m, "tandem_vrrp_invalid_packets_total{instance=\"front\",reason=\"bad_ttl\"} 2"));
  CHECK(has_line(m, "tandem_build_info{version=\"0.1.0\",director=\"lb1\"} 1"));
}

TEST_CASE("metric label values are escaped", "[unit]") {
  Snapshot s;
  s.version = "0.1.0";
  s.director = "a\"b\\c\nd";
  const std::string m = render_metrics(s);
  CHECK(has_line(m, R"(tandem_build_info{version="0.1.0",director="a\"b\\c\nd"} 1)"));
}

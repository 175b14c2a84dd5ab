// The translation conf::CheckSpec -> checks::CheckDefinition keeps every knob.
#include "director/desired/check_definition.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace tandem;

TEST_CASE("every check knob crosses from the config to the checks module", "[unit]") {
  conf::CheckSpec s;
  s.type = conf::CheckType::https;
  s.interval = 3s;
  s.timeout = 700ms;
  s.rise = 4;
  s.fall = 5;
  s.fast_interval = 500ms;
  s.down_interval = 10s;
  s.initial_state = conf::InitialState::up;
  s.source_address = IpAddress::parse("10.0.0.1");
  s.connect_address = IpAddress::parse("10.0.0.2");
  s.connect_port = 8443;
  s.send = "PING";
  s.expect = "PONG";
  s.method = "HEAD";
  s.path = "/healthz";
  s.host = "www.example.test";
  s.headers.emplace("X-A", std::string(1, 'b'));
  s.expect_status = {{200, 299}, {301, 301}};
  s.body_regex = "ok";
  s.body_sha256 = std::string(64, 'a');
  s.max_body_bytes = 1234;
  s.tls_verify = false;
  s.ca_file = "/etc/ca.pem";
  s.sni = "sni.example.test";
  s.client_cert = "/etc/c.pem";
  s.client_key = "/etc/c.key";
  s.reuse_connection = true;
  s.command = {"/usr/local/bin/check", "--deep"};
  s.user = "checker";
  s.max_output_bytes = 99;

  const auto d = desired::to_check_definition(s, "nobody");
  checks::CheckDefinition e;
  e.kind = checks::CheckKind::https;
  e.interval = 3s;
  e.timeout = 700ms;
  e.rise = 4;
  e.fall = 5;
  e.fast_interval = 500ms;
  e.down_interval = 10s;
  e.initial = checks::Health::up;
  e.source_address = IpAddress::parse("10.0.0.1");
  e.connect_address = IpAddress::parse("10.0.0.2");
  e.connect_port = 8443;
  e.send = "PING";
  e.expect = "PONG";
  e.method = "HEAD";
  e.path = "/healthz";
  e.host = "www.example.test";
  e.headers.emplace("X-A", std::string(1, 'b'));
  e.expect_status = {{200, 299}, {301, 301}};
  e.body_regex = "ok";
  e.body_sha256 = std::string(64, 'a');
  e.max_body_bytes = 1234;
  e.tls_verify = false;
  e.ca_file = "/etc/ca.pem";
  e.sni = "sni.example.test";
  e.client_cert = "/etc/c.pem";
  e.client_key = "/etc/c.key";
  e.reuse_connection = true;
  e.command = {"/usr/local/bin/check", "--deep"};
  e.user = "checker";
  e.max_output_bytes = 99;
  CHECK(d == e);
}

TEST_CASE("defaults agree and an empty exec user takes the director's check_user", "[unit]") {
  const auto d = desired::to_check_definition(conf::CheckSpec{}, "tandem-check");
  checks::CheckDefinition e;
  e.user = "tandem-check";
  CHECK(d == e);
  for (auto [t, k] : {std::pair{conf::CheckType::tcp, checks::CheckKind::tcp},
                      {conf::CheckType::http, checks::CheckKind::http},
                      {conf::CheckType::exec, checks::CheckKind::exec}}) {
    conf::CheckSpec s;
    s.type = t;
    CHECK(desired::to_check_definition(s, "x").kind == k);
  }
}

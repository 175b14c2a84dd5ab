// conf::CheckSpec -> checks::CheckDefinition, field by field.
#include "director/desired/check_definition.hpp"

namespace tandem::desired {

namespace {

checks::CheckKind kind_of(conf::CheckType t) {
  switch (t) {
    case conf::CheckType::tcp: return checks::CheckKind::tcp;
    case conf::CheckType::http: return checks::CheckKind::http;
    case conf::CheckType::https: return checks::CheckKind::https;
    case conf::CheckType::exec: return checks::CheckKind::exec;
  }
  return checks::CheckKind::tcp;
}

}  // namespace

checks::CheckDefinition to_check_definition(const conf::CheckSpec& s, std::string_view default_user) {
  checks::CheckDefinition d;
  d.kind = kind_of(s.type);
  d.interval = s.interval;
  d.timeout = s.timeout;
  d.rise = s.rise;
  d.fall = s.fall;
  d.fast_interval = s.fast_interval;
  d.down_interval = s.down_interval;
  d.initial = s.initial_state == conf::InitialState::up ? checks::Health::up : checks::Health::down;
  d.source_address = s.source_address;
  d.connect_address = s.connect_address;
  d.connect_port = s.connect_port;
  d.send = s.send;
  d.expect = s.expect;
  d.method = s.method;
  d.path = s.path;
  d.host = s.host;
  d.headers = s.headers;
  d.expect_status.clear();
  for (const auto& r : s.expect_status) d.expect_status.push_back(checks::StatusRange{r.lo, r.hi});
  d.body_regex = s.body_regex;
  d.body_sha256 = s.body_sha256;
  d.max_body_bytes = s.max_body_bytes;
  d.tls_verify = s.tls_verify;
  d.ca_file = s.ca_file;
  d.sni = s.sni;
  d.client_cert = s.client_cert;
  d.client_key = s.client_key;
  d.reuse_connection = s.reuse_connection;
  d.command = s.command;
  d.user = s.user.empty() ? std::string(default_user) : s.user;
  d.max_output_bytes = s.max_output_bytes;
  return d;
}

}  // namespace tandem::desired

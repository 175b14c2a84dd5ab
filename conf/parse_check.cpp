// [service.check] and [service.real.check]: health check tables, their
// inheritance from service to real server, and the checks of one check.
//
// Inheritance, from least to most specific:
//   built-in defaults (conf::CheckSpec) -> the service's check -> the real
//   server's check.
// A real server's `check` with a `type` replaces the service's checks; a single
// table without `type` overrides the keys it names in each of the service's
// checks (`check = { port = 8081 }` style); `check = []` means no checks.
#include <algorithm>
#include <charconv>
#include <regex>

#include <fmt/format.h>

#include "conf/sections.hpp"

namespace tandem::conf {

namespace {

const std::vector<std::string> kCheckKeys{
    "type",      "interval",    "timeout",        "rise",          "fall",          "fast_interval",
    "down_interval", "initial_state", "source_address", "connect_address", "connect_port", "send",
    "expect",    "method",      "path",           "host",          "headers",       "expect_status",
    "body_regex", "body_sha256", "max_body_bytes", "tls_verify",   "ca_file",       "sni",
    "client_cert", "client_key", "reuse_connection", "command",    "user",          "max_output_bytes"};

const std::vector<std::string> kCheckTypes{"tcp", "http", "https", "exec"};

// Which check types a key means something for; keys not listed apply to all.
struct Applicability {
  std::string_view key;
  std::vector<CheckType> types;
  std::string_view phrase;
};

const std::vector<Applicability>& applicability() {
  static const std::vector<Applicability> table{
      {"send", {CheckType::tcp}, "tcp checks"},
      {"expect", {CheckType::tcp}, "tcp checks"},
      {"method", {CheckType::http, CheckType::https}, "http and https checks"},
      {"path", {CheckType::http, CheckType::https}, "http and https checks"},
      {"host", {CheckType::http, CheckType::https}, "http and https checks"},
      {"headers", {CheckType::http, CheckType::https}, "http and https checks"},
      {"expect_status", {CheckType::http, CheckType::https}, "http and https checks"},
      {"body_regex", {CheckType::http, CheckType::https}, "http and https checks"},
      {"body_sha256", {CheckType::http, CheckType::https}, "http and https checks"},
      {"max_body_bytes", {CheckType::http, CheckType::https}, "http and https checks"},
      {"reuse_connection", {CheckType::http, CheckType::https}, "http and https checks"},
      {"tls_verify", {CheckType::https}, "https checks"},
      {"ca_file", {CheckType::https}, "https checks"},
      {"sni", {CheckType::https}, "https checks"},
      {"client_cert", {CheckType::https}, "https checks"},
      {"client_key", {CheckType::https}, "https checks"},
      {"command", {CheckType::exec}, "exec checks"},
      {"user", {CheckType::exec}, "exec checks"},
      {"max_output_bytes", {CheckType::exec}, "exec checks"},
  };
  return table;
}

const Applicability* restriction_of(std::string_view key) {
  for (const auto& a : applicability())
    if (a.key == key) return &a;
  return nullptr;
}

bool applies(std::string_view key, CheckType type) {
  const auto* r = restriction_of(key);
  return !r || std::find(r->types.begin(), r->types.end(), type) != r->types.end();
}

CheckType check_type_from(const std::string& s) {
  if (s == "http") return CheckType::http;
  if (s == "https") return CheckType::https;
  if (s == "exec") return CheckType::exec;
  return CheckType::tcp;
}

// A check being assembled, with the key path where each key was last set, so
// errors about the combination point at the most specific line.
struct Draft {
  CheckSpec spec;
  std::map<std::string, std::pair<int, std::string>> set_at;  // key -> (level, path)
  bool ok = true;
};

constexpr Duration kMinInterval = std::chrono::milliseconds(10);
constexpr Duration kMaxInterval = std::chrono::hours(24);

std::optional<std::vector<StatusRange>> read_status(const toml::node& node, const std::string& path,
                                                    ValueReader& values) {
  std::vector<const toml::node*> items;
  if (const auto* arr = node.as_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) items.push_back(arr->get(i));
  } else {
    items.push_back(&node);
  }
  if (items.empty()) {
    values.sink().error(pos_of(node), path, "expect_status must list at least one status code");
    return std::nullopt;
  }
  std::vector<StatusRange> out;
  bool ok = true;
  const bool is_array = node.is_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const toml::node& item = *items[i];
    const std::string item_path = is_array ? index_path(path, i) : path;
    if (const auto* n = item.as_integer()) {
      const auto v = n->get();
      if (v < 100 || v > 599) {
        values.sink().error(pos_of(item), item_path, fmt::format("status {} is out of range (100..599)", v));
        ok = false;
      } else {
        out.push_back({static_cast<std::uint16_t>(v), static_cast<std::uint16_t>(v)});
      }
      continue;
    }
    if (const auto* s = item.as_string()) {
      const std::string& text = s->get();
      unsigned lo = 0, hi = 0;
      const auto dash = text.find('-');
      bool parsed = dash != std::string::npos;
      if (parsed) {
        auto r1 = std::from_chars(text.data(), text.data() + dash, lo);
        auto r2 = std::from_chars(text.data() + dash + 1, text.data() + text.size(), hi);
        parsed = r1.ec == std::errc{} && r1.ptr == text.data() + dash && r2.ec == std::errc{} &&
                 r2.ptr == text.data() + text.size() && lo >= 100 && hi <= 599 && lo <= hi;
      }
      if (!parsed) {
        values.sink().error(pos_of(item), item_path,
                            fmt::format("invalid status range \"{}\" (expected \"LOW-HIGH\" within 100..599, as in "
                                        "\"200-299\")",
                                        text));
        ok = false;
      } else {
        out.push_back({static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi)});
      }
      continue;
    }
    values.sink().error(pos_of(item), item_path,
                        fmt::format("expected a status code or a range string such as \"200-299\", found {}",
                                    type_phrase(item.type())));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> read_headers(const toml::node& node, const std::string& path,
                                                               ValueReader& values) {
  const auto* table = node.as_table();
  if (!table) {
    values.sink().error(pos_of(node), path,
                        fmt::format("expected a table of header names to values, found {}", type_phrase(node.type())));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    const std::string value_path = child_path(path, name);
    const bool valid_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                                                std::string_view::npos;
    });
    if (!valid_name) {
      values.sink().error(pos_of(key), value_path, fmt::format("invalid HTTP header name \"{}\"", name));
      ok = false;
      continue;
    }
    auto v = values.string(value, value_path);
    if (!v) {
      ok = false;
      continue;
    }
    if (v->find_first_of("\r\n") != std::string::npos) {
      values.sink().error(pos_of(value), value_path, "a header value must not contain line breaks");
      ok = false;
      continue;
    }
    out.emplace(name, *v);
  }
  if (!ok) return std::nullopt;
  return out;
}

// Reads the value of `key` from `t` into `spec`. Returns false on error.
bool read_key(TableReader& t, const std::string& key, CheckSpec& spec) {
  auto& values = t.values();
  const toml::node& node = *t.find(key);
  const std::string path = t.path(key);
  auto set = [](auto& field, auto&& v) {
    if (!v) return false;
    field = *v;
    return true;
  };
  auto set_u32 = [&](std::uint32_t& field, std::int64_t lo, std::int64_t hi) {
    auto v = values.integer(node, path, lo, hi);
    if (v) field = static_cast<std::uint32_t>(*v);
    return v.has_value();
  };
  if (key == "type") {
    auto v = values.choice(node, path, kCheckTypes);
    if (v) spec.type = check_type_from(*v);
    return v.has_value();
  }
  if (key == "interval") return set(spec.interval, values.duration(node, path, kMinInterval, kMaxInterval));
  if (key == "timeout") return set(spec.timeout, values.duration(node, path, kMinInterval, kMaxInterval));
  if (key == "fast_interval") {
    auto v = values.duration(node, path, kMinInterval, kMaxInterval);
    if (v) spec.fast_interval = *v;
    return v.has_value();
  }
  if (key == "down_interval") {
    auto v = values.duration(node, path, kMinInterval, kMaxInterval);
    if (v) spec.down_interval = *v;
    return v.has_value();
  }
  if (key == "rise") return set_u32(spec.rise, 1, 1000);
  if (key == "fall") return set_u32(spec.fall, 1, 1000);
  if (key == "initial_state") {
    auto v = values.choice(node, path, {"down", "up"});
    if (v) spec.initial_state = *v == "up" ? InitialState::up : InitialState::down;
    return v.has_value();
  }
  if (key == "source_address") {
    auto v = values.address(node, path);
    if (v) spec.source_address = *v;
    return v.has_value();
  }
  if (key == "connect_address") {
    auto v = values.address(node, path);
    if (v) spec.connect_address = *v;
    return v.has_value();
  }
  if (key == "connect_port") {
    auto v = values.integer(node, path, 1, 65535);
    if (v) spec.connect_port = static_cast<std::uint16_t>(*v);
    return v.has_value();
  }
  if (key == "send") return set(spec.send, values.string(node, path));
  if (key == "expect") return set(spec.expect, values.string(node, path));
  if (key == "method") {
    return set(spec.method, values.choice(node, path, {"GET", "HEAD", "POST", "PUT", "OPTIONS"}));
  }
  if (key == "path") {
    auto v = values.string(node, path);
    if (v && (v->empty() || v->front() != '/' || v->find_first_of(" \r\n") != std::string::npos)) {
      values.sink().error(pos_of(node), path,
                          fmt::format("the request path must start with \"/\" and contain no spaces, got \"{}\"", *v));
      return false;
    }
    return set(spec.path, v);
  }
  if (key == "host") {
    // It goes into the request's Host line (and the TLS name): one line, no spaces.
    auto v = values.string(node, path);
    if (v && std::any_of(v->begin(), v->end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
      values.sink().error(pos_of(node), path, "the host must contain no spaces or control characters");
      return false;
    }
    return set(spec.host, v);
  }
  if (key == "headers") return set(spec.headers, read_headers(node, path, values));
  if (key == "expect_status") return set(spec.expect_status, read_status(node, path, values));
  if (key == "body_regex") {
    auto v = values.string(node, path);
    if (!v) return false;
    try {
      std::regex re(*v, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      values.sink().error(pos_of(node), path, fmt::format("invalid regular expression /{}/: {}", *v, e.what()));
      return false;
    }
    spec.body_regex = *v;
    return true;
  }
  if (key == "body_sha256") {
    auto v = values.string(node, path);
    if (!v) return false;
    const bool hex64 = v->size() == 64 && std::all_of(v->begin(), v->end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
    if (!hex64) {
      values.sink().error(pos_of(node), path, "expected a SHA-256 digest as 64 hexadecimal digits");
      return false;
    }
    std::string lower = *v;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    spec.body_sha256 = lower;
    return true;
  }
  if (key == "max_body_bytes") return set_u32(spec.max_body_bytes, 0, 16 * 1024 * 1024);
  if (key == "tls_verify") return set(spec.tls_verify, values.boolean(node, path));
  if (key == "ca_file") return set(spec.ca_file, values.string(node, path));
  if (key == "sni") return set(spec.sni, values.string(node, path));
  if (key == "client_cert") return set(spec.client_cert, values.string(node, path));
  if (key == "client_key") return set(spec.client_key, values.string(node, path));
  if (key == "reuse_connection") return set(spec.reuse_connection, values.boolean(node, path));
  if (key == "command") {
    auto v = values.string_array(node, path);
    if (!v) return false;
    if (v->empty()) {
      values.sink().error(pos_of(node), path, "the command must name a program");
      return false;
    }
    if (v->front().empty() || v->front().front() != '/') {
      values.sink().error(pos_of(node), path,
                          fmt::format("the program must be an absolute path, got \"{}\"", v->front()));
      return false;
    }
    spec.command = *v;
    return true;
  }
  if (key == "user") {
    auto v = values.string(node, path);
    if (v && v->empty()) {
      values.sink().error(pos_of(node), path, "the user name must not be empty");
      return false;
    }
    return set(spec.user, v);
  }
  if (key == "max_output_bytes") return set_u32(spec.max_output_bytes, 0, 1024 * 1024);
  return true;  // unknown keys are reported by TableReader::finish
}

// Applies every key of `t` that means something for draft's check type.
// Keys that apply to no check in `drafts` are reported.
void apply_table(TableReader& t, std::vector<Draft*> drafts, int level) {
  for (const auto& [k, node] : t.table()) {
    const std::string key(k.str());
    if (std::find(kCheckKeys.begin(), kCheckKeys.end(), key) == kCheckKeys.end()) continue;
    bool applied = false;
    for (Draft* d : drafts) {
      if (!applies(key, d->spec.type)) continue;
      applied = true;
      CheckSpec trial = d->spec;
      if (read_key(t, key, trial)) {
        d->spec = trial;
        d->set_at[key] = {level, t.path(key)};
      } else {
        d->ok = false;
        break;  // the value is wrong whatever the check; one report is enough
      }
    }
    if (!applied) {
      t.sink().error(t.pos(key), t.path(key),
                     fmt::format("\"{}\" applies only to {}", key, restriction_of(key)->phrase));
    }
  }
  t.finish();
}

// Checks that depend on several keys of one finished check. Only problems that
// involve a key set at `min_level` or above are reported, so a real server's
// override does not repeat an error already reported at its service.
void validate_draft(const Draft& d, SourcePos table_pos, const std::string& table_path, int min_level, Sink& sink) {
  const auto& s = d.spec;
  auto where = [&](const std::string& key) -> std::pair<SourcePos, std::string> {
    auto it = d.set_at.find(key);
    if (it == d.set_at.end()) return {table_pos, table_path};
    return {sink.where(it->second.second), it->second.second};
  };
  auto level_of = [&](const std::string& key) {
    auto it = d.set_at.find(key);
    return it == d.set_at.end() ? 0 : it->second.first;
  };
  auto involves = [&](std::initializer_list<const char*> keys) {
    return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return level_of(k) >= min_level; });
  };
  if (s.timeout > s.interval && involves({"timeout", "interval"})) {
    if (level_of("interval") > level_of("timeout")) {
      auto [pos, path] = where("interval");
      sink.error(pos, path,
                 fmt::format("interval {} is shorter than the timeout {}", format_duration(s.interval),
                             format_duration(s.timeout)));
    } else {
      auto [pos, path] = where("timeout");
      sink.error(pos, path,
                 fmt::format("timeout {} is longer than the interval {}", format_duration(s.timeout),
                             format_duration(s.interval)));
    }
  }
  if (s.type == CheckType::exec && s.command.empty() && involves({"type", "command"})) {
    sink.error(table_pos, table_path, "missing required key \"command\" (an exec check runs a program)");
  }
  if (!s.body_regex.empty() && !s.body_sha256.empty() && involves({"body_regex", "body_sha256"})) {
    auto [pos, path] = level_of("body_sha256") >= level_of("body_regex") ? where("body_sha256") : where("body_regex");
    sink.error(pos, path, "set at most one of \"body_regex\" and \"body_sha256\"");
  }
  if (!s.client_key.empty() && s.client_cert.empty() && involves({"client_key", "client_cert"})) {
    auto [pos, path] = where("client_key");
    sink.error(pos, path, "\"client_key\" needs \"client_cert\"");
  }
}

std::vector<const toml::table*> tables_of(const toml::node& node, const std::string& path, Sink& sink,
                                          std::vector<std::string>& paths) {
  std::vector<const toml::table*> out;
  if (const auto* t = node.as_table()) {
    out.push_back(t);
    paths.push_back(path);
    return out;
  }
  if (const auto* arr = node.as_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& item = *arr->get(i);
      if (const auto* t = item.as_table()) {
        out.push_back(t);
        paths.push_back(index_path(path, i));
      } else {
        sink.error(pos_of(item), index_path(path, i),
                   fmt::format("expected a check table, found {}", type_phrase(item.type())));
      }
    }
    return out;
  }
  sink.error(pos_of(node), path,
             fmt::format("expected a check table or an array of check tables, found {}", type_phrase(node.type())));
  return out;
}

// Checks that stand alone (each table has its own `type`), set at `level`.
std::vector<CheckSpec> standalone_checks(const toml::node& node, const std::string& path, int level, Sink& sink) {
  std::vector<std::string> paths;
  const auto tables = tables_of(node, path, sink, paths);
  std::vector<CheckSpec> out;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    TableReader t(*tables[i], paths[i], kCheckKeys, sink);
    Draft d;
    d.spec.pos = t.pos();
    // The type decides which keys apply, so it is read before the rest.
    d.ok = t.require("type") && read_key(t, "type", d.spec);
    if (d.ok) {
      apply_table(t, {&d}, level);
      if (d.ok) validate_draft(d, t.pos(), t.path(), level, sink);
    } else {
      t.finish();
    }
    out.push_back(d.spec);
  }
  return out;
}

}  // namespace

std::vector<CheckSpec> parse_service_checks(const toml::node* node, const std::string& path, Sink& sink) {
  if (!node) return {};
  return standalone_checks(*node, path, 1, sink);
}

std::vector<CheckSpec> parse_real_checks(const toml::node* node, const std::string& path,
                                         const std::vector<CheckSpec>& service_checks, Sink& sink) {
  if (!node) return service_checks;
  const auto* table = node->as_table();
  if (!table || table->contains("type")) return standalone_checks(*node, path, 2, sink);

  // One table without `type`: an override of each of the service's checks.
  TableReader t(*table, path, kCheckKeys, sink);
  if (service_checks.empty()) {
    sink.error(t.pos(), t.path(),
               "a check without \"type\" overrides the service's checks, but the service has none (add \"type\")");
    t.finish();
    return {};
  }
  std::vector<Draft> drafts(service_checks.size());
  std::vector<Draft*> ptrs;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    drafts[i].spec = service_checks[i];
    ptrs.push_back(&drafts[i]);
  }
  apply_table(t, ptrs, 2);
  std::vector<CheckSpec> out;
  for (auto& d : drafts) {
    if (d.ok) validate_draft(d, t.pos(), t.path(), 2, sink);
    out.push_back(d.spec);
  }
  return out;
}

}  // namespace tandem::conf

// conf::load_file / load_string: TOML syntax via toml++, then the typed parse
// of each section, then the checks that span sections. toml++ reports syntax
// errors by exception; this is the one place that catches it.
#include "conf/load.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "conf/sections.hpp"

namespace tandem::conf {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (pos.line != 0) out += fmt::format(":{}:{}", pos.line, pos.column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

namespace {

const std::vector<std::string> kTopKeys{"director", "vrrp", "service"};
const std::vector<std::string> kDirectorKeys{
    "name",          "control_socket",           "control_socket_group", "metrics_listen",     "state_dir",
    "log_level",     "reconcile_interval",       "expire_quiescent_template", "expire_nodest_conn",
    "max_concurrent_probes", "check_user",       "cleanup_on_shutdown"};

LogLevel log_level_from(const std::string& s) {
  if (s == "trace") return LogLevel::trace;
  if (s == "debug") return LogLevel::debug;
  if (s == "warn") return LogLevel::warn;
  if (s == "error") return LogLevel::error;
  if (s == "critical") return LogLevel::critical;
  if (s == "off") return LogLevel::off;
  return LogLevel::info;
}

std::optional<std::string> absolute_path(TableReader& t, std::string_view key) {
  auto v = t.string(key);
  if (v && (v->empty() || v->front() != '/')) {
    t.sink().error(t.pos(key), t.path(key), fmt::format("expected an absolute path, got \"{}\"", *v));
    return std::nullopt;
  }
  return v;
}

// Parses an array of tables ([[NAME]]) with `parse_one` for each element.
template <class T, class F>
std::vector<T> parse_table_array(const toml::table& root, const std::string& key, Sink& sink, F parse_one) {
  std::vector<T> out;
  const auto* node = root.get(key);
  if (!node) return out;
  const auto* arr = node->as_array();
  if (!arr) {
    sink.error(pos_of(*node), key,
               fmt::format("expected an array of tables ([[{}]]), found {}", key, type_phrase(node->type())));
    return out;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    if (const auto* t = item.as_table()) {
      out.push_back(parse_one(*t, index_path(key, i), sink));
    } else {
      sink.error(pos_of(item), index_path(key, i),
                 fmt::format("expected a table ([[{}]]), found {}", key, type_phrase(item.type())));
    }
  }
  return out;
}

LoadResult load_table(const toml::table& root, std::string_view source_name) {
  Sink sink{std::string(source_name)};
  Config config;
  config.source_file = std::string(source_name);
  TableReader top(root, "", kTopKeys, sink);
  if (const auto* d = root.get("director")) {
    if (const auto* t = d->as_table()) {
      config.director = parse_director(*t, sink);
    } else {
      sink.error(pos_of(*d), "director", fmt::format("expected a table ([director]), found {}", type_phrase(d->type())));
    }
  }
  config.vrrp = parse_table_array<VrrpInstance>(root, "vrrp", sink, parse_vrrp_instance);
  config.services = parse_table_array<Service>(root, "service", sink, parse_service);
  top.finish();
  validate_references(config, sink);

  LoadResult result;
  result.errors = sink.take();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace

DirectorSettings parse_director(const toml::table& table, Sink& sink) {
  TableReader t(table, "director", kDirectorKeys, sink);
  DirectorSettings d;
  if (auto v = t.string("name")) d.name = *v;
  if (auto v = absolute_path(t, "control_socket")) d.control_socket = *v;
  if (auto v = t.string("control_socket_group")) {
    if (v->empty()) sink.error(t.pos("control_socket_group"), t.path("control_socket_group"), "the group name must not be empty");
    else d.control_socket_group = *v;
  }
  if (auto v = t.endpoint("metrics_listen")) d.metrics_listen = *v;
  if (auto v = absolute_path(t, "state_dir")) d.state_dir = *v;
  if (auto v = t.choice("log_level", {"trace", "debug", "info", "warn", "error", "critical", "off"})) {
    d.log_level = log_level_from(*v);
  }
  if (auto v = t.duration("reconcile_interval", std::chrono::milliseconds(100), std::chrono::hours(1))) {
    d.reconcile_interval = *v;
  }
  if (auto v = t.boolean("expire_quiescent_template")) d.expire_quiescent_template = *v;
  if (auto v = t.boolean("expire_nodest_conn")) d.expire_nodest_conn = *v;
  if (auto v = t.integer("max_concurrent_probes", 1, 100'000)) d.max_concurrent_probes = static_cast<std::uint32_t>(*v);
  if (auto v = t.string("check_user")) {
    if (v->empty()) sink.error(t.pos("check_user"), t.path("check_user"), "the user name must not be empty");
    else d.check_user = *v;
  }
  if (auto v = t.boolean("cleanup_on_shutdown")) d.cleanup_on_shutdown = *v;
  t.finish();
  return d;
}

LoadResult load_string(std::string_view text, std::string_view source_name) {
  try {
    const toml::table root = toml::parse(text, source_name);
    return load_table(root, source_name);
  } catch (const toml::parse_error& e) {
    LoadResult result;
    const auto& b = e.source().begin;
    result.errors.push_back(Diagnostic{std::string(source_name), SourcePos{b.line, b.column}, "",
                                       fmt::format("TOML syntax error: {}", e.description())});
    return result;
  }
}

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back(
        Diagnostic{path, {}, "", fmt::format("cannot read the file: {}", std::error_code(errno, std::system_category()).message())});
    return result;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_string(buf.str(), path);
}

}  // namespace tandem::conf

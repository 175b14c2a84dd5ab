// Typed, located reads from toml++ nodes; see reader.hpp.
#include "conf/reader.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "conf/suggest.hpp"

namespace tandem::conf {

void Sink::error(SourcePos pos, std::string key_path, std::string message) {
  errors_.insert(Diagnostic{file_, pos, std::move(key_path), std::move(message)});
}

std::vector<Diagnostic> Sink::take() {
  std::vector<Diagnostic> out(errors_.begin(), errors_.end());
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) { return a.pos < b.pos; });
  errors_.clear();
  return out;
}

SourcePos Sink::where(const std::string& key_path) const {
  auto it = where_.find(key_path);
  return it == where_.end() ? SourcePos{} : it->second;
}

SourcePos pos_of(const toml::node& node) {
  const auto& b = node.source().begin;
  return SourcePos{b.line, b.column};
}

SourcePos pos_of(const toml::key& key) {
  const auto& b = key.source().begin;
  return SourcePos{b.line, b.column};
}

std::string_view type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

namespace {

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

std::string child_path(std::string_view parent, std::string_view key) {
  std::string k = is_bare_key(key) ? std::string(key) : fmt::format("\"{}\"", key);
  return parent.empty() ? k : fmt::format("{}.{}", parent, k);
}

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

// ---------------------------------------------------------------------------
// ValueReader

bool ValueReader::wrong_type(const toml::node& n, const std::string& path, std::string_view expected) {
  sink_.error(pos_of(n), path, fmt::format("expected {}, found {}", expected, type_phrase(n.type())));
  return false;
}

std::optional<std::string> ValueReader::string(const toml::node& n, const std::string& path) {
  if (const auto* s = n.as_string()) return s->get();
  wrong_type(n, path, "a string");
  return std::nullopt;
}

std::optional<bool> ValueReader::boolean(const toml::node& n, const std::string& path) {
  if (const auto* b = n.as_boolean()) return b->get();
  wrong_type(n, path, "a boolean (true or false)");
  return std::nullopt;
}

std::optional<std::int64_t> ValueReader::integer(const toml::node& n, const std::string& path, std::int64_t lo,
                                                 std::int64_t hi) {
  const auto* i = n.as_integer();
  if (!i) {
    wrong_type(n, path, "an integer");
    return std::nullopt;
  }
  const std::int64_t v = i->get();
  if (v < lo || v > hi) {
    sink_.error(pos_of(n), path, fmt::format("{} is out of range ({}..{})", v, lo, hi));
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> ValueReader::duration(const toml::node& n, const std::string& path, Duration lo,
                                              Duration hi) {
  const auto* s = n.as_string();
  if (!s) {
    wrong_type(n, path, "a duration string such as \"2s\" or \"250ms\"");
    return std::nullopt;
  }
  auto d = parse_duration(s->get());
  if (!d) {
    sink_.error(pos_of(n), path,
                fmt::format("invalid duration \"{}\" (write a number and a unit: ms, s, m, h or d, as in \"250ms\" or "
                            "\"2s\")",
                            s->get()));
    return std::nullopt;
  }
  if (*d < lo || *d > hi) {
    sink_.error(pos_of(n), path,
                fmt::format("{} is out of range ({}..{})", s->get(), format_duration(lo), format_duration(hi)));
    return std::nullopt;
  }
  return d;
}

std::optional<Endpoint> ValueReader::endpoint(const toml::node& n, const std::string& path) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  auto e = Endpoint::parse(*text);
  if (!e && Endpoint::parse(*text, /*port_optional=*/true)) {
    sink_.error(pos_of(n), path,
                fmt::format("\"{}\" has no port (expected \"192.0.2.1:80\" or \"[2001:db8::1]:80\"; an IPv6 address "
                            "needs brackets)",
                            *text));
  } else if (!e) {
    sink_.error(pos_of(n), path,
                fmt::format("invalid address \"{}\" (expected \"192.0.2.1:80\" or \"[2001:db8::1]:80\")", *text));
  }
  return e;
}

std::optional<IpAddress> ValueReader::address(const toml::node& n, const std::string& path) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  auto a = IpAddress::parse(*text);
  if (!a) {
    sink_.error(pos_of(n), path,
                fmt::format("invalid IP address \"{}\" (expected \"192.0.2.1\" or \"2001:db8::1\")", *text));
  }
  return a;
}

std::optional<Prefix> ValueReader::prefix(const toml::node& n, const std::string& path) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  auto p = Prefix::parse(*text);
  if (!p) {
    sink_.error(pos_of(n), path,
                fmt::format("invalid address \"{}\" (expected \"192.0.2.100/24\" or \"2001:db8::100/64\")", *text));
  }
  return p;
}

std::optional<std::string> ValueReader::choice(const toml::node& n, const std::string& path,
                                               const std::vector<std::string>& choices) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  sink_.error(pos_of(n), path,
              fmt::format("\"{}\" is not one of {}{}", *text, fmt::join(choices, ", "), did_you_mean(*text, choices)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ValueReader::string_array(const toml::node& n, const std::string& path) {
  const auto* arr = n.as_array();
  if (!arr) {
    wrong_type(n, path, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto s = string((*arr)[i], index_path(path, i));
    if (s) out.push_back(std::move(*s));
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------
// TableReader

TableReader::TableReader(const toml::table& table, std::string path, const std::vector<std::string>& known_keys,
                         Sink& sink)
    : table_(table), path_(std::move(path)), known_(known_keys), values_(sink) {
  sink.note(path_, pos_of(table_));
  for (const auto& [key, node] : table_) {
    const std::string key_path = child_path(path_, key.str());
    sink.note(key_path, pos_of(node));
    if (const auto* arr = node.as_array()) {
      for (std::size_t i = 0; i < arr->size(); ++i) sink.note(index_path(key_path, i), pos_of(*arr->get(i)));
    }
  }
}

const toml::node* TableReader::find(std::string_view key) const {
  return table_.get(key);
}

SourcePos TableReader::pos(std::string_view key) const {
  const auto* n = find(key);
  return n ? pos_of(*n) : pos();
}

std::optional<std::string> TableReader::string(std::string_view key) {
  const auto* n = find(key);
  return n ? values_.string(*n, path(key)) : std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const auto* n = find(key);
  return n ? values_.boolean(*n, path(key)) : std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  const auto* n = find(key);
  return n ? values_.integer(*n, path(key), lo, hi) : std::nullopt;
}

std::optional<Duration> TableReader::duration(std::string_view key, Duration lo, Duration hi) {
  const auto* n = find(key);
  return n ? values_.duration(*n, path(key), lo, hi) : std::nullopt;
}

std::optional<Endpoint> TableReader::endpoint(std::string_view key) {
  const auto* n = find(key);
  return n ? values_.endpoint(*n, path(key)) : std::nullopt;
}

std::optional<IpAddress> TableReader::address(std::string_view key) {
  const auto* n = find(key);
  return n ? values_.address(*n, path(key)) : std::nullopt;
}

std::optional<std::string> TableReader::choice(std::string_view key, const std::vector<std::string>& choices) {
  const auto* n = find(key);
  return n ? values_.choice(*n, path(key), choices) : std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::string_array(std::string_view key) {
  const auto* n = find(key);
  return n ? values_.string_array(*n, path(key)) : std::nullopt;
}

bool TableReader::require(std::string_view key) {
  if (find(key)) return true;
  sink().error(pos(), path_, fmt::format("missing required key \"{}\"", key));
  return false;
}

void TableReader::finish() {
  for (const auto& [key, node] : table_) {
    const std::string name(key.str());
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    sink().error(pos_of(key), child_path(path_, name),
                 fmt::format("unknown key \"{}\"{}", name, did_you_mean(name, known_)));
  }
}

std::optional<std::vector<std::string>> read_hook(TableReader& t, std::string_view key) {
  auto argv = t.string_array(key);
  if (!argv) return std::nullopt;
  if (argv->empty() || argv->front().empty() || argv->front().front() != '/') {
    t.sink().error(t.pos(key), t.path(key),
                   "the hook must be an argument vector starting with an absolute path, as in "
                   "[\"/usr/local/bin/notify\", \"web\"]");
    return std::nullopt;
  }
  return argv;
}

}  // namespace tandem::conf

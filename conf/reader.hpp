// Internal to conf/: typed, located reads from toml++ nodes.
// Every read that fails records a Diagnostic (file:line:col, key path, message)
// in a Sink and returns nullopt, so parsing carries on and all errors of a file
// are reported together. Nothing here throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "conf/load.hpp"

namespace tandem::conf {

// Collects the diagnostics of one file; identical ones are kept once.
class Sink {
 public:
  explicit Sink(std::string file) : file_(std::move(file)) {}

  void error(SourcePos pos, std::string key_path, std::string message);
  // The collected diagnostics, ordered by position in the file.
  std::vector<Diagnostic> take();
  bool empty() const noexcept { return errors_.empty(); }
  const std::string& file() const noexcept { return file_; }

  // Where each key path's value sits, recorded as tables are read, so checks
  // that span objects (duplicates, references) can point at the right line.
  void note(const std::string& key_path, SourcePos pos) { where_.emplace(key_path, pos); }
  SourcePos where(const std::string& key_path) const;

 private:
  std::string file_;
  std::set<Diagnostic> errors_;
  std::map<std::string, SourcePos> where_;
};

SourcePos pos_of(const toml::node& node);
SourcePos pos_of(const toml::key& key);

// "a string", "an integer", ... for "expected X, found Y" messages.
std::string_view type_phrase(toml::node_type type);

// Joins a key path: child_path("service[0]", "weight") == "service[0].weight".
// Keys that are not bare TOML keys are quoted.
std::string child_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t index);

// Reads one value node, reporting mismatches at the node.
class ValueReader {
 public:
  explicit ValueReader(Sink& sink) : sink_(sink) {}

  std::optional<std::string> string(const toml::node& n, const std::string& path);
  std::optional<bool> boolean(const toml::node& n, const std::string& path);
  std::optional<std::int64_t> integer(const toml::node& n, const std::string& path, std::int64_t lo,
                                      std::int64_t hi);
  std::optional<Duration> duration(const toml::node& n, const std::string& path, Duration lo, Duration hi);
  std::optional<Endpoint> endpoint(const toml::node& n, const std::string& path);
  std::optional<IpAddress> address(const toml::node& n, const std::string& path);
  std::optional<Prefix> prefix(const toml::node& n, const std::string& path);
  // One of `choices` (exact spelling), with a suggestion for near misses.
  std::optional<std::string> choice(const toml::node& n, const std::string& path,
                                    const std::vector<std::string>& choices);
  // An array whose every element is a string; nullopt if any is not.
  std::optional<std::vector<std::string>> string_array(const toml::node& n, const std::string& path);

  Sink& sink() noexcept { return sink_; }

 private:
  bool wrong_type(const toml::node& n, const std::string& path, std::string_view expected);
  Sink& sink_;
};

// A TOML table whose keys must all come from a known list. Reads are by key;
// finish() reports every key that is not in the list, with a suggestion.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, const std::vector<std::string>& known_keys,
              Sink& sink);

  const toml::node* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::string path(std::string_view key) const { return child_path(path_, key); }
  const std::string& path() const noexcept { return path_; }
  SourcePos pos() const { return pos_of(table_); }
  // Position of a key's value, or of the table when the key is absent.
  SourcePos pos(std::string_view key) const;

  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  std::optional<Duration> duration(std::string_view key, Duration lo, Duration hi);
  std::optional<Endpoint> endpoint(std::string_view key);
  std::optional<IpAddress> address(std::string_view key);
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& choices);
  std::optional<std::vector<std::string>> string_array(std::string_view key);

  // Reports `key` as missing (at the table's position) and returns false if absent.
  bool require(std::string_view key);
  void finish();

  ValueReader& values() noexcept { return values_; }
  Sink& sink() noexcept { return values_.sink(); }
  const toml::table& table() const noexcept { return table_; }

 private:
  const toml::table& table_;
  std::string path_;
  const std::vector<std::string>& known_;
  ValueReader values_;
};

// An argv value (a hook or exec program): a non-empty array of strings whose
// first element is an absolute path. Records an error and returns nullopt
// otherwise, or when the key is absent.
std::optional<std::vector<std::string>> read_hook(TableReader& t, std::string_view key);

}  // namespace tandem::conf

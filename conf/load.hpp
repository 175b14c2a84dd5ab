// Loading a configuration file: TOML text -> validated conf::Config.
// Every problem found is reported, each with file:line:col and the key path;
// a file with any error yields no Config at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"

namespace tandem::conf {

// One error in a configuration file.
struct Diagnostic {
  std::string file;
  SourcePos pos;           // 0:0 when the problem has no single place (file unreadable)
  std::string key_path;    // e.g. "service[0].real[1].weight"; empty for syntax errors
  std::string message;

  // "FILE:LINE:COL: KEY_PATH: MESSAGE" (parts that are empty left out).
  std::string to_string() const;
  auto operator<=>(const Diagnostic&) const = default;
};

struct LoadResult {
  std::optional<Config> config;      // set only when `errors` is empty
  std::vector<Diagnostic> errors;    // in file order
};

// Parses and validates the TOML file at `path`. Never throws: an unreadable
// file or a TOML syntax error is reported as a Diagnostic.
LoadResult load_file(const std::string& path);

// Same as load_file for text already in memory; `source_name` names it in errors.
LoadResult load_string(std::string_view text, std::string_view source_name);

}  // namespace tandem::conf

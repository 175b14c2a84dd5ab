// Manual overrides of real servers (`tandem drain`, `undrain`, `set-weight`):
// they win over health until undone, and survive restarts through a state
// file under director.state_dir. Pure: the text format only; the daemon reads
// and writes the file (atomically).
//
// Format, one override per line, sorted; '#' starts a comment:
//   # tandem manual overrides, format 1
//   drain web 10.0.1.11:8080
//   weight web 10.0.1.12:8080 50
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/ip_address.hpp"

namespace tandem::director::policy {

inline constexpr const char* kManualStateFileName = "manual-overrides";

struct ManualOverride {
  bool drained = false;
  std::optional<std::uint32_t> weight;
  bool empty() const noexcept { return !drained && !weight; }
  bool operator==(const ManualOverride&) const = default;
};

// Keyed by (service name, real server address).
using ManualOverrides = std::map<std::pair<std::string, Endpoint>, ManualOverride>;

std::string format_manual_overrides(const ManualOverrides& overrides);

// Parses the file's text; on a malformed line returns nullopt and sets
// `bad_line` (1-based) if given.
std::optional<ManualOverrides> parse_manual_overrides(std::string_view text, std::size_t* bad_line = nullptr);

}  // namespace tandem::director::policy

// Durations as operators write them: "1s", "250ms", "2m", "1h30m", "1.5s".
// Pure text conversion; tandem keeps every duration as std::chrono::milliseconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tandem {

using Duration = std::chrono::milliseconds;

// Parses a sequence of <number><unit> parts, unit one of ms, s, m, h, d; the
// number may have a decimal fraction ("1.5s"). "0" alone is zero. Returns
// nullopt for an empty string, a missing unit, a negative value, a result that
// is not a whole number of milliseconds, or one above ~100 years.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling: 1500ms -> "1500ms", 2000ms -> "2s", 120000ms -> "2m".
std::string format_duration(Duration d);

}  // namespace tandem

// Duration text: see duration.hpp for the grammar.
#include "common/duration.hpp"

#include <cctype>
#include <cstdint>

namespace tandem {

namespace {

constexpr std::int64_t kMaxMs = 100LL * 365 * 24 * 3600 * 1000;

std::optional<std::int64_t> unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  return std::nullopt;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // Whole part.
    std::int64_t whole = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      whole = whole * 10 + (text[i] - '0');
      if (whole > kMaxMs) return std::nullopt;
      ++i;
      ++digits;
    }
    // Fraction, kept as numerator / denominator to stay exact.
    std::int64_t frac = 0, denom = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      std::size_t frac_digits = 0;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (frac_digits < 9) {
          frac = frac * 10 + (text[i] - '0');
          denom *= 10;
        } else if (text[i] != '0') {
          return std::nullopt;  // more precision than we can keep exactly
        }
        ++i;
        ++frac_digits;
      }
      if (frac_digits == 0) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
    const std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const auto scale = unit_ms(text.substr(unit_start, i - unit_start));
    if (!scale) return std::nullopt;
    if (whole > kMaxMs / *scale) return std::nullopt;
    const std::int64_t frac_ms_num = frac * *scale;
    if (frac_ms_num % denom != 0) return std::nullopt;  // sub-millisecond remainder
    total += whole * *scale + frac_ms_num / denom;
    if (total > kMaxMs) return std::nullopt;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  const std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (const Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace tandem

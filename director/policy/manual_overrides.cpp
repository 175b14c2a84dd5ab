// Manual override file format; see manual_overrides.hpp.
#include "director/policy/manual_overrides.hpp"

#include <charconv>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace tandem::director::policy {

std::string format_manual_overrides(const ManualOverrides& overrides) {
  std::string out = "# tandem manual overrides, format 1\n";
  for (const auto& [key, o] : overrides) {
    if (o.drained) out += fmt::format("drain {} {}\n", key.first, key.second);
    if (o.weight) out += fmt::format("weight {} {} {}\n", key.first, key.second, *o.weight);
  }
  return out;
}

std::optional<ManualOverrides> parse_manual_overrides(std::string_view text, std::size_t* bad_line) {
  ManualOverrides out;
  std::istringstream in{std::string(text)};
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty()) continue;
    auto fail = [&]() -> std::optional<ManualOverrides> {
      if (bad_line) *bad_line = number;
      return std::nullopt;
    };
    if (w.size() < 3) return fail();
    const auto real = Endpoint::parse(w[2]);
    if (!real) return fail();
    auto& o = out[{w[1], *real}];
    if (w[0] == "drain" && w.size() == 3) {
      o.drained = true;
    } else if (w[0] == "weight" && w.size() == 4) {
      unsigned v = 0;
      auto [end, ec] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), v);
      if (ec != std::errc{} || end != w[3].data() + w[3].size() || v > 65535) return fail();
      o.weight = v;
    } else {
      return fail();
    }
  }
  return out;
}

}  // namespace tandem::director::policy

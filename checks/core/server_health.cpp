// AND-combination of the checks of one real server; see server_health.hpp.
#include "checks/core/server_health.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::checks {

ServerHealth::ServerHealth(std::vector<Health> initial) : states_(std::move(initial)) {}

Health ServerHealth::combined() const noexcept {
  return std::all_of(states_.begin(), states_.end(), [](Health h) { return h == Health::up; })
             ? Health::up
             : Health::down;
}

std::string ServerHealth::label_reason(std::string_view label, const std::string& reason) const {
  if (states_.size() <= 1 || label.empty()) return reason;
  return fmt::format("{}: {}", label, reason);
}

std::optional<Transition> ServerHealth::on_check(std::size_t index, Health h,
                                                 const std::string& reason, TimePoint now,
                                                 std::string_view label) {
  if (index >= states_.size()) return std::nullopt;
  const Health before = combined();
  states_[index] = h;
  const Health after = combined();
  if (before == after) return std::nullopt;
  std::string why = after == Health::up && states_.size() > 1
                        ? fmt::format("all {} checks pass ({})", states_.size(),
                                      label_reason(label, reason))
                        : label_reason(label, reason);
  return Transition{before, after, now, std::move(why)};
}

}  // namespace tandem::checks

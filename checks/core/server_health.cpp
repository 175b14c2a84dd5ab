// AND-combination of the checks of one real server; see server_health.hpp.
#include "checks/core/server_health.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::checks {

ServerHealth::ServerHealth(std::vector<std::string> labels, const std::vector<Health>& initial)
    : labels_(std::move(labels)), states_(labels_.size(), Health::down) {
  for (std::size_t i = 0; i < states_.size() && i < initial.size(); ++i) states_[i] = initial[i];
}

Health ServerHealth::combined() const noexcept {
  return std::all_of(states_.begin(), states_.end(), [](Health h) { return h == Health::up; })
             ? Health::up
             : Health::down;
}

std::string ServerHealth::label_reason(std::size_t index, const std::string& reason) const {
  if (states_.size() <= 1) return reason;
  return fmt::format("{}: {}", labels_[index], reason);
}

std::optional<Transition> ServerHealth::on_check(std::size_t index, Health h,
                                                 const std::string& reason, TimePoint now) {
  if (index >= states_.size()) return std::nullopt;
  const Health before = combined();
  states_[index] = h;
  const Health after = combined();
  if (before == after) return std::nullopt;
  std::string why = after == Health::up && states_.size() > 1
                        ? fmt::format("all {} checks pass ({})", states_.size(),
                                      label_reason(index, reason))
                        : label_reason(index, reason);
  return Transition{before, after, now, std::move(why)};
}

}  // namespace tandem::checks

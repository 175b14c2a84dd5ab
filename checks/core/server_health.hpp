// ServerHealth: the health of one real server from all its checks, combined
// with AND (up only while every check is up; a server with no checks is up).
// Pure: no sockets, no clocks; time arrives as an argument.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "checks/core/tracker.hpp"

namespace tandem::checks {

class ServerHealth {
 public:
  // `labels` names each check for reasons ("http GET /healthz"); its size is
  // the number of checks. `initial` is each check's initial state.
  ServerHealth(std::vector<std::string> labels, const std::vector<Health>& initial);

  // Records that check `index` is now `h` (after rise/fall) because of
  // `reason`; returns the server's transition if the combined state changed.
  // The reason of a down transition is the failing check's, prefixed by its
  // label when the server has more than one check. An out-of-range index is
  // ignored.
  std::optional<Transition> on_check(std::size_t index, Health h, const std::string& reason,
                                     TimePoint now);

  Health health() const noexcept { return combined(); }
  std::size_t size() const noexcept { return states_.size(); }

 private:
  Health combined() const noexcept;
  std::string label_reason(std::size_t index, const std::string& reason) const;

  std::vector<std::string> labels_;
  std::vector<Health> states_;
};

}  // namespace tandem::checks

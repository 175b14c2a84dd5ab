// ServerHealth: the health of one real server from all its checks, combined
// with AND (up only while every check is up; a server with no checks is up).
// Pure: no sockets, no clocks; time arrives as an argument.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/tracker.hpp"

namespace tandem::checks {

class ServerHealth {
 public:
  // One entry of `initial` per check: that check's current state.
  explicit ServerHealth(std::vector<Health> initial);

  // Records that check `index` is now `h` (after rise/fall) because of
  // `reason`; returns the server's transition if the combined state changed.
  // The reason of a down transition is the failing check's, prefixed by
  // `label` (the check's name, "http GET /healthz") when the server has more
  // than one check. Labels are passed in, not stored: 10,000 servers should
  // not each keep copies of the same names. An out-of-range index is ignored.
  std::optional<Transition> on_check(std::size_t index, Health h, const std::string& reason,
                                     TimePoint now, std::string_view label = {});

  Health health() const noexcept { return combined(); }
  std::size_t size() const noexcept { return states_.size(); }

 private:
  Health combined() const noexcept;
  std::string label_reason(std::string_view label, const std::string& reason) const;

  std::vector<Health> states_;
};

}  // namespace tandem::checks

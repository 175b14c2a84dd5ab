// Rise/fall hysteresis; see the table in tracker.hpp.
#include "checks/core/tracker.hpp"

#include <algorithm>

namespace tandem::checks {

HealthTracker::HealthTracker(std::uint32_t rise, std::uint32_t fall, Health initial) noexcept
    : rise_(std::max<std::uint32_t>(rise, 1)),
      fall_(std::max<std::uint32_t>(fall, 1)),
      health_(initial) {}

std::optional<Transition> HealthTracker::on_result(const ProbeResult& r, TimePoint now) {
  ++results_;
  if (health_ == Health::down) {
    if (!r.ok) {
      successes_ = 0;
      return std::nullopt;
    }
    if (++successes_ < rise_) return std::nullopt;
  } else {
    if (r.ok) {
      failures_ = 0;
      return std::nullopt;
    }
    if (++failures_ < fall_) return std::nullopt;
  }
  const Health from = health_;
  health_ = from == Health::up ? Health::down : Health::up;
  successes_ = 0;
  failures_ = 0;
  return Transition{from, health_, now, r.reason};
}

Duration HealthTracker::next_interval(const CheckDefinition& d) const noexcept {
  if (changing() && d.fast_interval) return *d.fast_interval;
  if (health_ == Health::down && !changing() && results_ > 0 && d.down_interval)
    return *d.down_interval;
  return d.interval;
}

}  // namespace tandem::checks

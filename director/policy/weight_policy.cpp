// The weight policy; see weight_policy.hpp for the truth table.
#include "director/policy/weight_policy.hpp"

#include <algorithm>

namespace tandem::director::policy {

namespace {

void earliest(std::optional<TimePoint>& slot, TimePoint t) {
  if (!slot || t < *slot) slot = t;
}

}  // namespace

std::uint32_t slow_start_weight(std::uint32_t full, Duration slow_start, TimePoint up_since, TimePoint now) {
  if (full == 0 || slow_start.count() <= 0 || now >= up_since + slow_start) return full;
  if (now <= up_since) return std::max<std::uint32_t>(1, full / kSlowStartSteps);
  const auto elapsed = std::chrono::duration_cast<Duration>(now - up_since);
  // Step number 1..kSlowStartSteps reached so far (the first step at once).
  const std::int64_t step = 1 + elapsed.count() * kSlowStartSteps / slow_start.count();
  const std::uint64_t w = std::uint64_t{full} * static_cast<std::uint64_t>(step) / kSlowStartSteps;
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(w, 1, full));
}

ServiceOutcome evaluate(const ServiceInput& service, const std::vector<RealInput>& reals, TimePoint now) {
  ServiceOutcome out;
  out.reals.reserve(reals.size());
  for (const RealInput& r : reals) {
    RealOutcome o;
    const bool removing_by_failure =
        r.on_failure == conf::OnFailure::remove && r.health == Health::down && r.down_since.has_value();
    const std::optional<TimePoint> removal = r.removal_started ? r.removal_started
                                             : removing_by_failure ? r.down_since
                                                                   : std::nullopt;
    if (removal) {
      // Drain before delete: weight 0 until the connections end or the timeout.
      const TimePoint deadline = *removal + service.drain_timeout;
      o.present = r.connections > 0 && now < deadline;
      o.weight = 0;
      if (o.present) earliest(out.next_change, deadline);
    } else if (r.drained) {
      o.weight = 0;
    } else if (r.health == Health::unknown && r.adopted_weight) {
      o.weight = *r.adopted_weight;  // no flap at start-up: keep what the kernel has
    } else if (r.health == Health::down) {
      o.weight = 0;
    } else if (r.health == Health::up || !r.adopted_weight) {
      const std::uint32_t full = r.manual_weight.value_or(r.configured_weight);
      if (r.health == Health::up && r.up_since && service.slow_start.count() > 0 && !r.manual_weight) {
        o.weight = slow_start_weight(full, service.slow_start, *r.up_since, now);
        if (o.weight < full) {
          // The next step boundary: the first elapsed time at which the step
          // number (elapsed * N / slow_start) grows.
          const std::int64_t total = service.slow_start.count();
          const std::int64_t elapsed = std::chrono::duration_cast<Duration>(now - *r.up_since).count();
          const std::int64_t k = elapsed * kSlowStartSteps / total + 1;
          const auto next = *r.up_since + Duration{(k * total + kSlowStartSteps - 1) / kSlowStartSteps};
          earliest(out.next_change, std::min(next, *r.up_since + service.slow_start));
        }
      } else {
        o.weight = r.health == Health::up ? full : 0;
      }
    }
    o.counts_for_quorum = r.health == Health::up && !r.drained && !removal && r.configured_weight > 0;
    if (o.counts_for_quorum) {
      out.healthy += service.quorum_by == conf::QuorumBy::count ? 1 : r.manual_weight.value_or(r.configured_weight);
    }
    out.reals.push_back(o);
  }
  out.quorum_met = out.healthy >= service.quorum;
  out.sorry_server_present = service.has_sorry_server && !out.quorum_met;
  return out;
}

}  // namespace tandem::director::policy

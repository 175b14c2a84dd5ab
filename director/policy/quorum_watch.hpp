// Turns a service's quorum state, evaluated over and over, into the edges
// that run its on_quorum_lost / on_quorum_restored hooks. Pure.
#pragma once

#include <cstdint>
#include <optional>

namespace tandem::director::policy {

enum class QuorumEdge : std::uint8_t { none, lost, restored };

class QuorumWatch {
 public:
  // Returns the edge this evaluation crosses. The first call reports `lost`
  // when the service starts without quorum (operators expect the alarm at
  // start-up too) and `none` when it starts with it.
  QuorumEdge update(bool quorum_met) noexcept {
    const std::optional<bool> before = last_;
    last_ = quorum_met;
    if (!before) return quorum_met ? QuorumEdge::none : QuorumEdge::lost;
    if (*before == quorum_met) return QuorumEdge::none;
    return quorum_met ? QuorumEdge::restored : QuorumEdge::lost;
  }
  std::optional<bool> last() const noexcept { return last_; }

 private:
  std::optional<bool> last_;
};

}  // namespace tandem::director::policy

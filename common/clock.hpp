// The one clock of tandem's pure code: a monotonic time point passed in as an
// argument. Pure modules never read a clock themselves.
#pragma once

#include <chrono>

namespace tandem {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

}  // namespace tandem

// The time type of the checks module. Pure code receives time points as
// arguments and never reads a clock; only the runner calls Clock::now().
#pragma once

#include <chrono>

namespace tandem::checks {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

}  // namespace tandem::checks

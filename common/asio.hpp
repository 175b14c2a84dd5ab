// The only way tandem code includes Boost.Asio.
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// which g++ 12 rejects ("'exchange' is not a member of 'std'"), so <utility>
// comes first. Pure modules (codecs, state machines, reconciler, policies) never
// include this file; tests/common/purity_test checks that.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace tandem {
namespace asio = boost::asio;
}  // namespace tandem

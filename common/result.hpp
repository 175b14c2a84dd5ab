// The one result type of tandem: a value or a std::error_code.
// Boost.Outcome's std_result is used because std::expected needs -std=c++2b on
// g++ 12; moving to std::expected later is a change of this one alias.
#pragma once

#include <system_error>

#include <boost/outcome/std_result.hpp>

namespace tandem {

template <class T>
using Result = boost::outcome_v2::std_result<T>;

using boost::outcome_v2::success;

}  // namespace tandem

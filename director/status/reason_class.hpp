// A low-cardinality class for a check reason, for metric labels: the reasons
// themselves carry numbers and backend bytes ("HTTP 503 (expected 200)").
// Pure. The classes follow the spellings in checks/core/reasons.hpp.
#pragma once

#include <string>
#include <string_view>

namespace tandem::director {

// One of: ok, connect_refused, connect_timeout, connect_failed, reset,
// no_reply, reply_mismatch, http_status, body, tls, exec_exit, exec_timeout,
// exec_signal, other.
std::string reason_class(std::string_view reason);

}  // namespace tandem::director

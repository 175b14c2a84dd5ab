// The bytes of the one request an http check sends with tandem's own client:
// "<method> <path> HTTP/1.1", Host (the check's `host`, else the target's
// address, with its port unless 80), User-Agent, Accept, "Connection: close"
// and, for POST and PUT, "Content-Length: 0"; each of these gives way to a
// configured header of the same name, and the configured headers follow in
// their (sorted) order. Pure.
#pragma once

#include <string>

#include "checks/core/check_definition.hpp"

namespace tandem::checks {

inline constexpr const char* kHttpUserAgent = "tandem-health-check";

std::string http_request_text(const CheckDefinition& d, const Endpoint& target);

}  // namespace tandem::checks

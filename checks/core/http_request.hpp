// The bytes of the one request an http check sends with tandem's own client:
// "<method> <path> HTTP/1.1", Host (the check's `host`, else the target's
// address, with its port unless 80), User-Agent, Accept, "Connection: close"
// and, for POST and PUT, "Content-Length: 0"; each of these gives way to a
// configured header of the same name, and the configured headers follow in
// their (sorted) order. Pure.
#pragma once

#include <string>
#include <string_view>

#include "checks/core/check_definition.hpp"

namespace tandem::checks {

inline constexpr const char* kHttpUserAgent = "tandem-health-check";

std::string http_request_text(const CheckDefinition& d, const Endpoint& target);

// The request path of `d`, with the leading "/" it must have.
std::string http_path(const CheckDefinition& d);
// An address as the host part of a URI or Host header: IPv6 in brackets.
std::string uri_host(const IpAddress& a);
// Field names and transfer codings compare case-insensitively (ASCII only).
bool http_names_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace tandem::checks

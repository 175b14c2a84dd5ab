// The reasons a probe gives for its verdict, spelled in one place so logs,
// events and tests agree: "connect refused", "connect timeout after 1000 ms",
// "HTTP 503 (expected 200)", "body did not match /ok/", "exec exited 2",
// "exec killed after 3000 ms". Pure text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/check_definition.hpp"
#include "common/duration.hpp"

namespace tandem::checks::reason {

std::string connect_refused();
std::string connect_timeout(Duration timeout);
// Any other connect failure, with the system's message ("No route to host").
std::string connect_failed(std::string_view message);
std::string source_bind_failed(const IpAddress& source, std::string_view message);
std::string connection_reset();

// tcp send/expect
std::string no_reply(Duration timeout);
std::string reply_mismatch(std::string_view got, std::string_view expected);
std::string closed_before_reply(std::size_t bytes);

// http
std::string http_status(long status, const std::vector<StatusRange>& expected);
std::string http_ok(long status);
std::string body_mismatch(std::string_view regex);
std::string body_digest_mismatch(std::string_view got, std::string_view expected);
std::string body_too_large(std::uint32_t cap);
std::string not_http();                                   // "not an HTTP response"
std::string no_http_response(Duration timeout);           // nothing of a status line in time
std::string http_headers_incomplete(Duration timeout);
std::string http_body_incomplete(Duration timeout, std::uint64_t bytes);
std::string closed_without_response();
std::string closed_mid_body(std::uint64_t bytes);

// exec
std::string exec_exited(int status);
std::string exec_signalled(int signal);
std::string exec_killed(Duration timeout);

// Untrusted bytes made safe for one log line: printable ASCII kept, others as
// \xNN, cut to `max` bytes with "..." appended.
std::string printable(std::string_view bytes, std::size_t max = 64);

}  // namespace tandem::checks::reason

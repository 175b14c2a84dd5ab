// checks::errc: the errors of the checks module, as a std::error_code category.
// Pure: no I/O.
#pragma once

#include <system_error>

namespace tandem::checks {

enum class errc {
  not_http = 1,         // an http plan was asked for a non-http check
  bad_body_regex,       // body_regex is not a valid ECMAScript regular expression
  bad_body_digest,      // body_sha256 is not 64 lower-case hex digits
  empty_command,        // exec check without a program
  relative_program,     // exec program is not an absolute path
  unknown_user,         // the exec user does not exist
  unsupported_kind,     // a check kind this build cannot run
};

const std::error_category& category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace tandem::checks

template <>
struct std::is_error_code_enum<tandem::checks::errc> : std::true_type {};

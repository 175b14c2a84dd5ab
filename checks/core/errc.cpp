// The checks error category; messages name the offending knob.
#include "checks/core/errc.hpp"

#include <string>

namespace tandem::checks {

namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "checks"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
      case errc::not_http: return "not an http or https check";
      case errc::bad_body_regex: return "body_regex is not a valid regular expression";
      case errc::bad_body_digest: return "body_sha256 must be 64 lower-case hex digits";
      case errc::empty_command: return "exec check has no command";
      case errc::relative_program: return "exec command[0] must be an absolute path";
      case errc::unknown_user: return "exec user does not exist";
      case errc::unsupported_kind: return "unsupported check type";
    }
    return "unknown checks error";
  }
};
}  // namespace

const std::error_category& category() noexcept {
  static const Category c;
  return c;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace tandem::checks

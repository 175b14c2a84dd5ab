// HttpJudge: the verdict on one HTTP response from its status and body, the
// same whichever client read it (tandem's own for plain http, libcurl for
// https). The body is kept only up to max_body_bytes, and buffered only when
// a regex needs the text (the SHA-256 digest is computed as bytes arrive).
// One object per run.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "checks/core/check_definition.hpp"
#include "checks/core/http_response.hpp"
#include "checks/core/probe_result.hpp"
#include "common/result.hpp"

struct evp_md_ctx_st;

namespace tandem::checks {

// What an http check asks of the body, compiled once per check: the regex,
// and a digest already checked to be 64 lower-case hex digits.
struct HttpBodyRules {
  std::optional<std::regex> regex;
  bool wants_digest = false;
  bool wants_body() const noexcept { return regex.has_value() || wants_digest; }

  // errc::bad_body_regex or errc::bad_body_digest for a definition that
  // cannot be run.
  static Result<HttpBodyRules> make(const CheckDefinition& d);
};

class HttpJudge final : public HttpBodySink {
 public:
  // Both are the plan's and outlive the judge.
  HttpJudge(const CheckDefinition& d, const HttpBodyRules& rules);
  ~HttpJudge();
  HttpJudge(const HttpJudge&) = delete;
  HttpJudge& operator=(const HttpJudge&) = delete;

  // Prepares the digest; false if the C library has no SHA-256 (then the run
  // fails with "HTTP probe: SHA-256 unavailable").
  bool start();

  // Takes body bytes up to the cap; past it, over_cap() turns true and the
  // rest is dropped (the client should stop reading).
  void on_body(std::string_view bytes) override;
  bool over_cap() const noexcept { return over_cap_; }
  // Body bytes taken (never more than the cap).
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

  // The whole response was read: status, then regex, then digest.
  ProbeResult complete(long status);
  // Reading stopped at the cap: with no body rule the status alone decides
  // (the rest is not worth reading); with one, an expected status gives
  // "body larger than N bytes".
  ProbeResult cut_at_cap(long status);

 private:
  const CheckDefinition& def_;
  const HttpBodyRules& rules_;
  evp_md_ctx_st* digest_ = nullptr;
  std::string body_;  // only when the regex needs the text
  std::uint64_t body_bytes_ = 0;
  bool over_cap_ = false;
};

}  // namespace tandem::checks

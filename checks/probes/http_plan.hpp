// HttpPlan: everything about a check run through libcurl (https, and http
// with connection reuse) that does not change between runs (URL, connect-to
// mapping, header list, compiled body rules), built once per check so a run
// only configures a pooled easy handle.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "checks/core/check_definition.hpp"
#include "checks/core/errc.hpp"
#include "checks/probes/http_judge.hpp"
#include "common/result.hpp"

namespace tandem::checks {

class HttpPlan {
 public:
  // Builds the plan of `d` (kind http or https) against real server `real`.
  // Returns errc::bad_body_regex, errc::bad_body_digest or errc::not_http.
  // The definition is shared with the caller, not copied.
  static Result<std::shared_ptr<const HttpPlan>> make(std::shared_ptr<const CheckDefinition> d,
                                                     const Endpoint& real);
  static Result<std::shared_ptr<const HttpPlan>> make(const CheckDefinition& d, const Endpoint& real) {
    return make(std::make_shared<const CheckDefinition>(d), real);
  }
  ~HttpPlan();
  HttpPlan(const HttpPlan&) = delete;
  HttpPlan& operator=(const HttpPlan&) = delete;

  // Sets every option of one run on `easy` (freshly reset). The plan must
  // outlive the transfer (curl keeps pointers to the header lists).
  void configure(CURL* easy) const;

  const CheckDefinition& definition() const noexcept { return *def_; }
  const HttpBodyRules& body_rules() const noexcept { return rules_; }

 private:
  HttpPlan() = default;
  std::shared_ptr<const CheckDefinition> def_;
  std::string url_;
  std::string source_;  // CURLOPT_INTERFACE "host!ADDR"
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  HttpBodyRules rules_;
};

}  // namespace tandem::checks

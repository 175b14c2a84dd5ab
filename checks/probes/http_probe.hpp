// HttpProbe: one request through the shared CurlMulti (https, and http with
// connection reuse), judged by HttpJudge: status, and optionally a body regex
// or SHA-256 digest, the body read only up to max_body_bytes. One object per
// run.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "checks/probes/completion.hpp"
#include "checks/probes/curl_multi.hpp"
#include "checks/probes/http_judge.hpp"
#include "checks/probes/http_plan.hpp"
#include "checks/probes/probe.hpp"

namespace tandem::checks {

class HttpProbe final : public Probe, public std::enable_shared_from_this<HttpProbe> {
 public:
  HttpProbe(asio::io_context& io, CurlMulti& multi, std::shared_ptr<const HttpPlan> plan);
  ~HttpProbe() override;
  HttpProbe(const HttpProbe&) = delete;
  HttpProbe& operator=(const HttpProbe&) = delete;

  // Verdicts: "HTTP 200"; failures include "connect refused", "connect timeout
  // after N ms", "HTTP 503 (expected 200)", "body did not match /re/", "body
  // SHA-256 X (expected Y)", "body larger than N bytes", "no HTTP response
  // within N ms", "connection reset by peer", "not an HTTP response",
  // "TLS: certificate verify failed: ...".
  void cancel() override;

 private:
  void run(TimePoint now, ProbeDone done) override;
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self);
  void on_transfer_done(const CurlMulti::Outcome& outcome);
  ProbeResult judge(const CurlMulti::Outcome& outcome);
  ProbeResult judge_failure(CURLcode rc, long status, bool connected);
  void finish(ProbeResult r);

  CurlMulti& multi_;
  std::weak_ptr<int> multi_alive_;
  std::shared_ptr<const HttpPlan> plan_;
  ProbeCompletion completion_;
  CURL* easy_ = nullptr;
  bool in_multi_ = false;
  bool headers_done_ = false;
  HttpJudge judge_;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace tandem::checks

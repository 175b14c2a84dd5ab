// HttpProbe: configure a pooled easy handle, run it on the CurlMulti, turn
// curl's result into a precise reason; see http_probe.hpp.
#include "checks/probes/http_probe.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "checks/core/reasons.hpp"

namespace tandem::checks {

HttpProbe::HttpProbe(asio::io_context& io, CurlMulti& multi, std::shared_ptr<const HttpPlan> plan)
    : multi_(multi),
      multi_alive_(multi.lifetime()),
      plan_(std::move(plan)),
      completion_(io),
      judge_(plan_->definition(), plan_->body_rules()) {}

HttpProbe::~HttpProbe() {
  if (easy_ != nullptr) {
    if (multi_alive_.expired()) {
      curl_easy_cleanup(easy_);  // the multi already removed it while shutting down
    } else {
      if (in_multi_) multi_.remove(easy_);
      multi_.release(easy_);
    }
  }
}

void HttpProbe::run(TimePoint now, ProbeDone done) {
  completion_.arm(std::move(done));
  easy_ = multi_.acquire();
  if (easy_ == nullptr) return finish(ProbeResult::failure("HTTP probe: cannot allocate a curl handle"));
  if (!judge_.start()) return finish(ProbeResult::failure("HTTP probe: SHA-256 unavailable"));
  plan_->configure(easy_);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpProbe::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpProbe::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  // The multi keeps the probe alive until the transfer ends or is removed.
  auto self = shared_from_this();
  const CURLMcode rc = multi_.add(easy_, now, [self](const CurlMulti::Outcome& o) { self->on_transfer_done(o); });
  if (rc != CURLM_OK)
    return finish(ProbeResult::failure(fmt::format("HTTP probe: {}", curl_multi_strerror(rc))));
  in_multi_ = true;
}

void HttpProbe::cancel() {
  if (completion_.finished()) return;
  auto self = shared_from_this();  // the multi may hold the last other reference
  if (in_multi_) {
    in_multi_ = false;
    multi_.remove(easy_);  // drops the multi's reference to us; we are kept by the caller
  }
  finish(ProbeResult::failure("cancelled"));
}

std::size_t HttpProbe::on_header(char* data, std::size_t size, std::size_t n, void* self) {
  auto* p = static_cast<HttpProbe*>(self);
  const std::size_t len = size * n;
  // The empty line ends a header block (interim 1xx blocks included).
  if (len <= 2 && (len == 0 || data[0] == '\r' || data[0] == '\n')) p->headers_done_ = true;
  return len;
}

std::size_t HttpProbe::on_body(char* data, std::size_t size, std::size_t n, void* self) {
  auto* p = static_cast<HttpProbe*>(self);
  p->headers_done_ = true;
  p->judge_.on_body(std::string_view(data, size * n));
  // Returning less than n makes curl abort with CURLE_WRITE_ERROR: a hostile
  // endless body costs at most max_body_bytes.
  return p->judge_.over_cap() ? 0 : size * n;
}

void HttpProbe::on_transfer_done(const CurlMulti::Outcome& outcome) {
  in_multi_ = false;
  if (completion_.finished()) return;
  finish(judge(outcome));
}

ProbeResult HttpProbe::judge(const CurlMulti::Outcome& outcome) {
  const CURLcode rc = outcome.result;
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK) return judge_.complete(status);
  if (rc == CURLE_WRITE_ERROR && judge_.over_cap()) return judge_.cut_at_cap(status);
  return judge_failure(rc, status, outcome.connected);
}

ProbeResult HttpProbe::judge_failure(CURLcode rc, long status, bool connected) {
  const auto& d = plan_->definition();
  long os_errno = 0;
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
  const std::string detail = error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED) return ProbeResult::failure(reason::connect_refused());
      if (os_errno != 0) return ProbeResult::failure(reason::connect_failed(std::strerror(static_cast<int>(os_errno))));
      return ProbeResult::failure(reason::connect_failed(detail));
    case CURLE_INTERFACE_FAILED:
      return ProbeResult::failure(reason::source_bind_failed(*d.source_address, detail));
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t handshaken = 0;  // a handshake needs a round trip: never inside one frozen call
      curl_easy_getinfo(easy_, CURLINFO_APPCONNECT_TIME_T, &handshaken);
      if (!connected) return ProbeResult::failure(reason::connect_timeout(d.timeout));
      if (d.kind == CheckKind::https && handshaken == 0)
        return ProbeResult::failure(fmt::format("TLS handshake timeout after {} ms", d.timeout.count()));
      if (status == 0) return ProbeResult::failure(reason::no_http_response(d.timeout));
      if (!headers_done_) return ProbeResult::failure(reason::http_headers_incomplete(d.timeout));
      return ProbeResult::failure(reason::http_body_incomplete(d.timeout, judge_.body_bytes()));
    }
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      if (os_errno == ECONNRESET || os_errno == EPIPE) return ProbeResult::failure(reason::connection_reset());
      return ProbeResult::failure(fmt::format("HTTP I/O error: {}", detail));
    case CURLE_GOT_NOTHING:
      return ProbeResult::failure(reason::closed_without_response());
    case CURLE_PARTIAL_FILE:
      return ProbeResult::failure(reason::closed_mid_body(judge_.body_bytes()));
    case CURLE_UNSUPPORTED_PROTOCOL:  // HTTP/0.9-looking garbage ("Received HTTP/0.9 when not allowed")
    case CURLE_WEIRD_SERVER_REPLY:
      return ProbeResult::failure(reason::not_http());
    case CURLE_PEER_FAILED_VERIFICATION: {
      constexpr std::string_view prefix = "SSL certificate problem: ";
      std::string_view why = detail;
      if (why.substr(0, prefix.size()) == prefix) {
        why.remove_prefix(prefix.size());
        return ProbeResult::failure(fmt::format("TLS: certificate verify failed: {}", why));
      }
      return ProbeResult::failure(fmt::format("TLS: certificate verify failed ({})", why));
    }
    case CURLE_SSL_CACERT_BADFILE:
      return ProbeResult::failure(fmt::format("TLS: cannot use CA file {}", d.ca_file));
    case CURLE_SSL_CERTPROBLEM:
      return ProbeResult::failure(fmt::format("TLS: client certificate problem: {}", detail));
    case CURLE_SSL_CONNECT_ERROR:
      if (os_errno == ECONNRESET) return ProbeResult::failure(reason::connection_reset());
      return ProbeResult::failure(fmt::format("TLS handshake failed: {}", detail));
    default:
      return ProbeResult::failure(fmt::format("HTTP probe failed: {}", detail));
  }
}

void HttpProbe::finish(ProbeResult r) { completion_.finish(std::move(r)); }

}  // namespace tandem::checks

// HttpPlan: URL, SNI mapping and headers of an http/https check; see http_plan.hpp.
#include "checks/probes/http_plan.hpp"

#include <fmt/format.h>

#include "checks/core/errc.hpp"
#include "checks/core/http_request.hpp"

namespace tandem::checks {

Result<std::shared_ptr<const HttpPlan>> HttpPlan::make(std::shared_ptr<const CheckDefinition> shared,
                                                       const Endpoint& real) {
  const CheckDefinition& d = *shared;
  if (d.kind != CheckKind::http && d.kind != CheckKind::https) return make_error_code(errc::not_http);
  auto rules = HttpBodyRules::make(d);
  if (!rules) return rules.error();
  std::shared_ptr<HttpPlan> p(new HttpPlan());
  p->def_ = std::move(shared);
  p->rules_ = std::move(rules).value();
  const Endpoint target = probe_target(d, real);
  const char* scheme = d.kind == CheckKind::https ? "https" : "http";
  // The name in the URL is what curl sends as SNI and verifies the certificate
  // against; CURLOPT_CONNECT_TO then sends the connection to the real server's
  // address, without DNS and per handle (CURLOPT_RESOLVE would be shared by
  // every handle of the multi).
  std::string name = !d.sni.empty() ? d.sni : d.host;
  const std::string path = http_path(d);
  if (!name.empty() && d.kind == CheckKind::https) {
    p->url_ = fmt::format("{}://{}:{}{}", scheme, name, target.port, path);
    p->connect_to_ = curl_slist_append(
        nullptr, fmt::format("{}:{}:{}:{}", name, target.port, uri_host(target.address), target.port).c_str());
  } else {
    p->url_ = fmt::format("{}://{}:{}{}", scheme, uri_host(target.address), target.port, path);
  }
  if (!d.host.empty()) p->headers_ = curl_slist_append(p->headers_, fmt::format("Host: {}", d.host).c_str());
  for (const auto& [k, v] : d.headers)
    p->headers_ = curl_slist_append(p->headers_, fmt::format("{}: {}", k, v).c_str());
  if (d.source_address) p->source_ = fmt::format("host!{}", d.source_address->to_string());
  return std::shared_ptr<const HttpPlan>(std::move(p));
}

HttpPlan::~HttpPlan() {
  curl_slist_free_all(headers_);
  curl_slist_free_all(connect_to_);
}

void HttpPlan::configure(CURL* e) const {
  const long timeout_ms = static_cast<long>(def_->timeout.count());
  curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // As the own client's; a configured User-Agent header replaces it.
  curl_easy_setopt(e, CURLOPT_USERAGENT, kHttpUserAgent);
  // Targets are IP literals: nothing to cache, and a multi-wide cache with one
  // entry per real server would be pruned by walking all of them.
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  if (!def_->reuse_connection) {
    // A check must open a new connection, as a client would.
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  if (def_->kind == CheckKind::http) {
    // The request goes out in one write on a fresh connection, which Nagle's
    // algorithm sends at once (nothing is unacknowledged yet; only a request
    // longer than one segment would have its tail wait a round trip), so
    // curl's TCP_NODELAY would cost a setsockopt per check for nothing. With
    // TLS the request follows the handshake's last flight and must not wait
    // for its acknowledgement: https keeps curl's default.
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 0L);
  }
  if (def_->method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (def_->method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, def_->method.c_str());
  }
  if (headers_ != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
  if (connect_to_ != nullptr) curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to_);
  if (!source_.empty()) curl_easy_setopt(e, CURLOPT_INTERFACE, source_.c_str());
  if (def_->kind == CheckKind::https) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, def_->tls_verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, def_->tls_verify ? 2L : 0L);
    if (!def_->ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, def_->ca_file.c_str());
    if (!def_->client_cert.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, def_->client_cert.c_str());
    if (!def_->client_key.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, def_->client_key.c_str());
  }
}

}  // namespace tandem::checks

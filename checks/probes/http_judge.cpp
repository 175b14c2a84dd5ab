// HttpJudge: status list, body regex, body digest, body cap; see http_judge.hpp.
#include "checks/probes/http_judge.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "checks/core/errc.hpp"
#include "checks/core/reasons.hpp"

namespace tandem::checks {

namespace {

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The failure for a status the check does not expect; nothing for one it does.
std::optional<ProbeResult> unexpected_status(const CheckDefinition& d, long status) {
  for (const auto& r : d.expect_status)
    if (status >= r.lo && status <= r.hi) return std::nullopt;
  return ProbeResult::failure(reason::http_status(status, d.expect_status));
}

}  // namespace

Result<HttpBodyRules> HttpBodyRules::make(const CheckDefinition& d) {
  HttpBodyRules rules;
  if (!d.body_sha256.empty()) {
    if (!is_hex_sha256(d.body_sha256)) return make_error_code(errc::bad_body_digest);
    rules.wants_digest = true;
  }
  if (!d.body_regex.empty()) {
    try {
      rules.regex.emplace(d.body_regex, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error&) {
      return make_error_code(errc::bad_body_regex);
    }
  }
  return rules;
}

HttpJudge::HttpJudge(const CheckDefinition& d, const HttpBodyRules& rules) : def_(d), rules_(rules) {}

HttpJudge::~HttpJudge() {
  if (digest_ != nullptr) EVP_MD_CTX_free(digest_);
}

bool HttpJudge::start() {
  if (!rules_.wants_digest) return true;
  digest_ = EVP_MD_CTX_new();
  return digest_ != nullptr && EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr) == 1;
}

void HttpJudge::on_body(std::string_view bytes) {
  const std::uint64_t cap = def_.max_body_bytes;
  const std::uint64_t room = body_bytes_ < cap ? cap - body_bytes_ : 0;
  const std::size_t used = bytes.size() < room ? bytes.size() : static_cast<std::size_t>(room);
  if (rules_.regex) body_.append(bytes.data(), used);
  if (digest_ != nullptr) EVP_DigestUpdate(digest_, bytes.data(), used);
  body_bytes_ += used;
  if (used < bytes.size()) over_cap_ = true;
}

ProbeResult HttpJudge::complete(long status) {
  if (auto failed = unexpected_status(def_, status)) return *std::move(failed);
  if (rules_.regex && !std::regex_search(body_, *rules_.regex))
    return ProbeResult::failure(reason::body_mismatch(def_.body_regex));
  if (digest_ != nullptr) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(digest_, md, &len);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    if (hex != def_.body_sha256) return ProbeResult::failure(reason::body_digest_mismatch(hex, def_.body_sha256));
  }
  return ProbeResult::success(reason::http_ok(status));
}

ProbeResult HttpJudge::cut_at_cap(long status) {
  if (!rules_.wants_body()) return complete(status);
  if (auto failed = unexpected_status(def_, status)) return *std::move(failed);
  return ProbeResult::failure(reason::body_too_large(def_.max_body_bytes));
}

}  // namespace tandem::checks

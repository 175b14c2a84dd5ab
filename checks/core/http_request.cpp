// http_request_text: see http_request.hpp.
#include "checks/core/http_request.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::checks {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool configured(const CheckDefinition& d, std::string_view name) {
  return std::any_of(d.headers.begin(), d.headers.end(),
                     [name](const auto& h) { return http_names_equal(h.first, name); });
}

}  // namespace

bool http_names_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string http_path(const CheckDefinition& d) {
  return d.path.empty() || d.path.front() != '/' ? "/" + d.path : d.path;
}

std::string uri_host(const IpAddress& a) {
  return a.is_v4() ? a.to_string() : fmt::format("[{}]", a.to_string());
}

std::string http_request_text(const CheckDefinition& d, const Endpoint& target) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", d.method, http_path(d));
  if (!configured(d, "Host")) {
    if (!d.host.empty()) {
      out += fmt::format("Host: {}\r\n", d.host);
    } else {
      const std::string addr = uri_host(target.address);
      out += target.port == 80 ? fmt::format("Host: {}\r\n", addr) : fmt::format("Host: {}:{}\r\n", addr, target.port);
    }
  }
  if (!configured(d, "User-Agent")) out += fmt::format("User-Agent: {}\r\n", kHttpUserAgent);
  if (!configured(d, "Accept")) out += "Accept: */*\r\n";
  // One request per connection: the server closes after its response, which
  // also ends a body that has no length.
  if (!configured(d, "Connection")) out += "Connection: close\r\n";
  if ((d.method == "POST" || d.method == "PUT") && !configured(d, "Content-Length")) out += "Content-Length: 0\r\n";
  for (const auto& [name, value] : d.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "\r\n";
  return out;
}

}  // namespace tandem::checks

// http_request_text: see http_request.hpp.
#include "checks/core/http_request.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::checks {

namespace {

bool configured(const CheckDefinition& d, std::string_view name) {
  return std::any_of(d.headers.begin(), d.headers.end(), [name](const auto& h) {
    const std::string& k = h.first;
    return k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
             auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
             return lower(a) == lower(b);
           });
  });
}

}  // namespace

std::string http_request_text(const CheckDefinition& d, const Endpoint& target) {
  const std::string path = d.path.empty() || d.path.front() != '/' ? "/" + d.path : d.path;
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", d.method, path);
  if (!configured(d, "Host")) {
    if (!d.host.empty()) {
      out += fmt::format("Host: {}\r\n", d.host);
    } else {
      const std::string addr =
          target.address.is_v4() ? target.address.to_string() : fmt::format("[{}]", target.address.to_string());
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

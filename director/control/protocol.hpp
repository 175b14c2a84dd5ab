// The control-socket protocol between `tandem status|reload|drain|...` and the
// daemon: one JSON object per line each way. Pure: parsing and encoding only.
//
//   request  {"command":"status","json":false}
//            {"command":"reload"}
//            {"command":"drain","service":"web","real":"10.0.1.11:8080"}
//            {"command":"undrain","service":"web","real":"10.0.1.11:8080"}
//            {"command":"set-weight","service":"web","real":"10.0.1.11:8080","weight":50}
//            {"command":"set-weight","service":"web","real":"10.0.1.11:8080","weight":null}  (back to configured)
//   reply    {"ok":true,"output":"..."} | {"ok":false,"error":"..."}
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/ip_address.hpp"

namespace tandem::director::control {

// Requests longer than this are refused without parsing.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

struct StatusRequest {
  bool json = false;
  bool operator==(const StatusRequest&) const = default;
};
struct ReloadRequest {
  bool operator==(const ReloadRequest&) const = default;
};
struct DrainRequest {
  std::string service;
  Endpoint real;
  bool drain = true;  // false: undrain
  bool operator==(const DrainRequest&) const = default;
};
struct SetWeightRequest {
  std::string service;
  Endpoint real;
  std::optional<std::uint32_t> weight;  // nullopt: back to the configured weight
  bool operator==(const SetWeightRequest&) const = default;
};

using Request = std::variant<StatusRequest, ReloadRequest, DrainRequest, SetWeightRequest>;

struct Reply {
  bool ok = true;
  std::string text;  // the output when ok, the error otherwise
  bool operator==(const Reply&) const = default;
};

// Parses one request line. Returns the request, or an error sentence for the
// reply ("unknown command \"x\"", "\"real\" must be an address:port").
std::variant<Request, std::string> parse_request(std::string_view line);
std::string encode_request(const Request& r);

std::string encode_reply(const Reply& r);
// Returns nullopt if the line is not a reply.
std::optional<Reply> decode_reply(std::string_view line);

}  // namespace tandem::director::control

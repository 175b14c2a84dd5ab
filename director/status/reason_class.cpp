// Reason classes by the prefix of the reason text; see reason_class.hpp.
#include "director/status/reason_class.hpp"

#include <array>
#include <utility>

namespace tandem::director {

std::string reason_class(std::string_view reason) {
  // Successes (the reason of an up transition).
  for (std::string_view ok : {"connected", "sent", "reply matched", "exec exited 0"})
    if (reason == ok) return "ok";
  // First matching prefix wins; order matters where prefixes overlap.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kPrefixes{{
      {"connect refused", "connect_refused"},
      {"connect timeout", "connect_timeout"},
      {"connect failed", "connect_failed"},
      {"cannot bind source", "connect_failed"},
      {"connection reset", "reset"},
      {"no reply", "no_reply"},
      {"connection closed", "no_reply"},
      {"reply ", "reply_mismatch"},
      {"TLS", "tls"},
      {"body", "body"},
      {"exec exited", "exec_exit"},
      {"exec killed after", "exec_timeout"},
      {"exec killed by signal", "exec_signal"},
      {"HTTP ", "http_status"},
  }};
  for (const auto& [prefix, cls] : kPrefixes)
    if (reason.substr(0, prefix.size()) == prefix) {
      // A success reason ("HTTP 200") is not a failure class.
      if (cls == "http_status" && reason.find("(expected") == std::string_view::npos) return "ok";
      return std::string(cls);
    }
  // A server with several checks prefixes the failing check's label:
  // "http GET /healthz: connect refused".
  if (const auto colon = reason.find(": "); colon != std::string_view::npos)
    return reason_class(reason.substr(colon + 2));
  return "other";
}

}  // namespace tandem::director

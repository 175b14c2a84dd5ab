// libFuzzer target for the control protocol: any line as a request and as a
// reply. Properties (std::abort() on a breach): parsing returns, never throws;
// a refused request has a reason; an accepted request encodes to a line that
// parses back to the same request; an accepted reply likewise. Built and run
// by tests/fuzz.sh (tests/director/CMakeLists.txt).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "director/control/protocol.hpp"

using namespace tandem::director::control;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  try {
    const auto parsed = parse_request(line);
    if (const auto* why = std::get_if<std::string>(&parsed)) {
      if (why->empty()) std::abort();
    } else {
      const Request& request = std::get<Request>(parsed);
      const auto back = parse_request(encode_request(request));
      const auto* again = std::get_if<Request>(&back);
      if (again == nullptr || !(*again == request)) std::abort();
    }
    if (const auto reply = decode_reply(line)) {
      const auto back = decode_reply(encode_reply(*reply));
      if (!back || !(*back == *reply)) std::abort();
    }
  } catch (...) {
    std::abort();  // a bad line is answered, never thrown
  }
  return 0;
}

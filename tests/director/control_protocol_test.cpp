#include "director/control/protocol.hpp"

#include <catch2/catch.hpp>

using namespace tandem;
using namespace tandem::director::control;

namespace {

std::string error_of(std::string_view line) {
  auto r = parse_request(line);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("every request round-trips through its encoding", "[unit]") {
  const Endpoint real = *Endpoint::parse("10.0.1.11:8080");
  const std::vector<Request> requests{StatusRequest{true}, StatusRequest{false}, ReloadRequest{},
                                      DrainRequest{"web", real, true}, DrainRequest{"web", real, false},
                                      SetWeightRequest{"web", real, 50}, SetWeightRequest{"web", real, std::nullopt}};
  for (const auto& r : requests) {
    const std::string line = encode_request(r);
    INFO(line);
    auto parsed = parse_request(line);
    REQUIRE(std::holds_alternative<Request>(parsed));
    CHECK(std::get<Request>(parsed) == r);
  }
}

TEST_CASE("bad requests get a sentence, never an exception", "[unit]") {
  CHECK(error_of("") == "request is not a JSON object");
  CHECK(error_of("{") == "request is not a JSON object");
  CHECK(error_of("[1,2]") == "request is not a JSON object");
  CHECK(error_of("{\"cmd\":\"status\"}") == "request has no \"command\"");
  CHECK(error_of("{\"command\":\"explode\"}") == "unknown command \"explode\"");
  CHECK(error_of("{\"command\":\"status\",\"json\":1}") == "\"json\" must be true or false");
  CHECK(error_of("{\"command\":\"drain\",\"real\":\"10.0.0.1:80\"}") == "\"service\" must be a service name");
  CHECK(error_of("{\"command\":\"drain\",\"service\":\"web\",\"real\":\"nope\"}") ==
        "\"real\" must be an address:port, got \"nope\"");
  CHECK(error_of("{\"command\":\"set-weight\",\"service\":\"web\",\"real\":\"10.0.0.1:80\",\"weight\":70000}") ==
        "\"weight\" must be a number 0..65535, or null for the configured one");
  CHECK(error_of(std::string(kMaxRequestBytes + 1, ' ')) == "request too long");
  // Arbitrary bytes, including invalid UTF-8 and NULs.
  const std::string junk("\xff\xfe\x00{\"command\":", 14);
  CHECK_FALSE(error_of(junk).empty());
}

TEST_CASE("replies round-trip, including bytes that are not UTF-8", "[unit]") {
  CHECK(decode_reply(encode_reply({true, "all fine\n"})) == Reply{true, "all fine\n"});
  CHECK(decode_reply(encode_reply({false, "no such service"})) == Reply{false, "no such service"});
  const auto r = decode_reply(encode_reply({false, "bad \xff byte"}));
  REQUIRE(r);
  CHECK_FALSE(r->ok);
  CHECK_FALSE(decode_reply("{\"ok\":1}"));
  CHECK_FALSE(decode_reply("garbage"));
}

// The canonical reason strings.
#include "checks/core/reasons.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace tandem::checks;

TEST_CASE("reasons read as the issue spells them", "[unit]") {
  CHECK(reason::connect_refused() == "connect refused");
  CHECK(reason::connect_timeout(1000ms) == "connect timeout after 1000 ms");
  CHECK(reason::http_status(503, {{200, 200}}) == "HTTP 503 (expected 200)");
  CHECK(reason::http_status(404, {{200, 299}, {301, 302}}) == "HTTP 404 (expected 200-299, 301-302)");
  CHECK(reason::body_mismatch("ok") == "body did not match /ok/");
  CHECK(reason::exec_exited(2) == "exec exited 2");
  CHECK(reason::exec_killed(3000ms) == "exec killed after 3000 ms");
  CHECK(reason::body_too_large(65536) == "body larger than 65536 bytes");
}

TEST_CASE("untrusted bytes are escaped and cut", "[unit]") {
  CHECK(reason::printable("ok") == "ok");
  CHECK(reason::printable(std::string("a\0b\n", 4)) == "a\\x00b\\x0a");
  CHECK(reason::printable("\"q\"") == "\\x22q\\x22");
  CHECK(reason::printable("abcdef", 3) == "abc...");
}

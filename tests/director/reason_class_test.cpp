#include "director/status/reason_class.hpp"

#include <catch2/catch.hpp>

using tandem::director::reason_class;

TEST_CASE("reasons fall into a few classes for metric labels", "[unit]") {
  CHECK(reason_class("connected") == "ok");
  CHECK(reason_class("reply matched") == "ok");
  CHECK(reason_class("HTTP 200") == "ok");
  CHECK(reason_class("exec exited 0") == "ok");
  CHECK(reason_class("connect refused") == "connect_refused");
  CHECK(reason_class("connect timeout after 1000 ms") == "connect_timeout");
  CHECK(reason_class("connection reset by peer") == "reset");
  CHECK(reason_class("no reply within 1000 ms") == "no_reply");
  CHECK(reason_class("reply \"x\" did not start with \"y\"") == "reply_mismatch");
  CHECK(reason_class("HTTP 503 (expected 200)") == "http_status");
  CHECK(reason_class("body did not match /ok/") == "body");
  CHECK(reason_class("TLS: certificate verify failed") == "tls");
  CHECK(reason_class("exec exited 2") == "exec_exit");
  CHECK(reason_class("exec killed after 3000 ms") == "exec_timeout");
  CHECK(reason_class("http GET /: connect refused") == "connect_refused");  // several checks: labelled
  CHECK(reason_class("something new") == "other");
  CHECK(reason_class("") == "other");
}

// HttpResponseReader against its header's contract and RFC 9112's message
// framing: status line, header fields, Content-Length, chunked (with
// extensions and trailers), close-delimited bodies, responses without a body,
// interim 1xx responses, bare LF line ends, size caps, close() reasons, and
// the same outcome for every way the bytes can be split. Pure: no sockets.
#include "checks/core/http_response.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::checks {
namespace {

using State = HttpResponseReader::State;
using namespace std::string_view_literals;

const char* state_name(State s) {
  switch (s) {
    case State::status_line: return "status_line";
    case State::headers: return "headers";
    case State::body: return "body";
    case State::done: return "done";
    case State::failed: return "failed";
  }
  return "?";
}

// Keeps what the reader hands out, so a test can compare it with body_bytes().
struct BodyCollector final : HttpBodySink {
  std::string body;
  void on_body(std::string_view bytes) override { body.append(bytes); }
};

// Everything a caller can observe of a reader, for comparing two readings.
struct Outcome {
  State state = State::status_line;
  int status = 0;
  std::string error;
  std::uint64_t body_bytes = 0;
  std::string body;
  bool headers_done = false;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{" << state_name(o.state) << ", status " << o.status << ", error \"" << o.error << "\", "
            << o.body_bytes << " body bytes \"" << o.body << "\", headers_done " << o.headers_done << "}";
}

Outcome outcome(const HttpResponseReader& r, const BodyCollector& sink) {
  return {r.state(), r.status(), r.error(), r.body_bytes(), sink.body, r.headers_done()};
}

// Feeds `pieces` in order (then close() if `close`) and checks the invariants
// every reading must keep: the returned state is state(), body_bytes() counts
// what the sink got, error() is set exactly when failed, status is 0 or valid.
Outcome read_pieces(const std::vector<std::string_view>& pieces, bool head = false, bool close = false) {
  HttpResponseReader r(head);
  BodyCollector sink;
  for (std::string_view p : pieces) {
    const State s = r.feed(p, sink);
    CHECK(s == r.state());
    CHECK(r.body_bytes() == sink.body.size());
  }
  if (close) {
    const State s = r.close();
    CHECK(s == r.state());
  }
  CHECK(r.body_bytes() == sink.body.size());
  CHECK(r.error().empty() == !r.failed());
  CHECK((r.status() == 0 || (r.status() >= 100 && r.status() <= 599)));
  return outcome(r, sink);
}

Outcome read_whole(std::string_view bytes, bool head = false, bool close = false) {
  return read_pieces({bytes}, head, close);
}

Outcome read_bytewise(std::string_view bytes, bool head = false, bool close = false) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.substr(i, 1));
  return read_pieces(pieces, head, close);
}

bool starts_with(const std::string& s, std::string_view prefix) { return std::string_view(s).starts_with(prefix); }

// A malformed status line may be refused as not HTTP or as a malformed line;
// the header names both reasons without saying which one a bad status line gets.
bool refused_status_line(const std::string& error) {
  return error == "not an HTTP response" || starts_with(error, "malformed HTTP");
}

}  // namespace

// ---------------------------------------------------------------- basics

TEST_CASE("a 200 with Content-Length is done when the body is complete", "[unit]") {
  const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(o.state == State::done);
  CHECK(o.status == 200);
  CHECK(o.error.empty());
  CHECK(o.body == "hello");
  CHECK(o.body_bytes == 5);
  CHECK(o.headers_done);
}

TEST_CASE("the reader steps through its states as the bytes arrive", "[unit]") {
  HttpResponseReader r;
  BodyCollector sink;
  CHECK(r.state() == State::status_line);
  CHECK(r.status() == 0);
  CHECK_FALSE(r.headers_done());
  CHECK(r.error().empty());

  CHECK(r.feed("", sink) == State::status_line);
  CHECK(r.feed("HTTP/1.1 200 OK", sink) == State::status_line);
  CHECK(r.status() == 0);  // the line is not complete yet
  CHECK(r.feed("\r\n", sink) == State::headers);
  CHECK(r.status() == 200);  // read: a final status
  CHECK_FALSE(r.headers_done());
  CHECK(r.feed("Content-Length: 4\r\n", sink) == State::headers);
  CHECK(r.feed("\r\n", sink) == State::body);
  CHECK(r.headers_done());
  CHECK_FALSE(r.done());
  CHECK(r.feed("ab", sink) == State::body);
  CHECK(sink.body == "ab");
  CHECK(r.body_bytes() == 2);
  CHECK(r.feed("cd", sink) == State::done);
  CHECK(r.done());
  CHECK_FALSE(r.failed());
  CHECK(sink.body == "abcd");
  CHECK(r.body_bytes() == 4);
  CHECK(r.status() == 200);
  CHECK(r.headers_done());
}

TEST_CASE("Content-Length 0 is done at the end of the headers", "[unit]") {
  const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.body_bytes == 0);
  CHECK(o.body.empty());
}

TEST_CASE("accepted status lines (RFC 9112 4)", "[unit]") {
  struct Case { std::string_view line; int status; };
  const Case cases[] = {
      {"HTTP/1.1 200 OK", 200},
      {"HTTP/1.0 200 OK", 200},
      {"HTTP/1.9 404 Not Found", 404},
      {"HTTP/1.1 200", 200},                       // no reason
      {"HTTP/1.1 200 ", 200},                      // SP, empty reason
      {"HTTP/1.1 503 Service Unavailable Now", 503},
      {"HTTP/1.1 200 \xC3\xA9t\xC3\xA9\tok", 200},  // obs-text and HTAB in the reason
      {"HTTP/1.1 599 Last", 599},
      {"HTTP/1.1 301 Moved Permanently", 301},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    std::string bytes(c.line);
    bytes += "\r\nContent-Length: 2\r\n\r\nok";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.status == c.status);
    CHECK(o.body == "ok");
  }
}

TEST_CASE("header field syntax: names are case-insensitive, OWS is trimmed (RFC 9112 5)", "[unit]") {
  const char* lines[] = {
      "content-length: 2", "CONTENT-LENGTH: 2", "Content-Length:2", "Content-Length:   2   ",
      "Content-Length:\t2\t", "Content-Length: 002",
  };
  for (const char* line : lines) {
    INFO(line);
    std::string bytes = "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Spaces: a  b \r\n";
    bytes += line;
    bytes += "\r\n\r\nokEXTRA";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "ok");
  }
}

TEST_CASE("bare LF ends the status line and header lines (RFC 9112 2.2)", "[unit]") {
  SECTION("LF only") {
    const auto o = read_whole("HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
    CHECK(o.state == State::done);
    CHECK(o.status == 200);
    CHECK(o.body == "ok");
  }
  SECTION("CRLF and LF mixed") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nServer: x\nContent-Length: 2\r\n\nok");
    CHECK(o.state == State::done);
    CHECK(o.body == "ok");
  }
  SECTION("an interim response with LF only") {
    const auto o = read_whole("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok");
    CHECK(o.state == State::done);
    CHECK(o.status == 200);
    CHECK(o.body == "ok");
  }
}

TEST_CASE("a user agent unfolds obs-fold in a response instead of failing (RFC 9112 5.2)", "[unit]") {
  const auto o = read_whole("HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\n\tthird\r\nContent-Length: 2\r\n\r\nok");
  CHECK(o.state == State::done);
  CHECK(o.error.empty());
  CHECK(o.body == "ok");
}

TEST_CASE("a folded framing field is unfolded or refused, never half-read (RFC 9112 5.2)", "[unit]") {
  SECTION("Transfer-Encoding") {
    // The value is "gzip, chunked": a user agent replaces the fold with SP; a
    // reader that does not unfold must not frame the body by "gzip," alone.
    const auto o = read_whole(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    CHECK((o.state == State::done || o.state == State::failed));
    if (o.state == State::done) CHECK(o.body == "ok");
  }
  SECTION("Content-Length") {
    // Unfolded, the value is "5 6": not a Content-Length either way.
    const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 6\r\n\r\nhelloworld");
    CHECK(o.state == State::failed);
    CHECK(o.body.empty());
  }
}

// ---------------------------------------------------------------- chunked

TEST_CASE("chunked body with extensions and trailers (RFC 9112 7.1)", "[unit]") {
  const std::string_view bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;name=value\r\nWiki\r\n"
      "5;a;b=\"q;uo\\\"ted\"\r\npedia\r\n"
      "E\r\n in\r\n\r\nchunks.\r\n"  // CRLF inside chunk data is data
      "0;last=1\r\n"
      "Expires: never\r\nX-Trailer: yes\r\n\r\n"
      "HTTP/1.1 500 Not For You\r\n\r\n";  // after done: ignored
  const auto o = read_whole(bytes);
  CHECK(o.state == State::done);
  CHECK(o.status == 200);
  CHECK(o.error.empty());
  CHECK(o.body == "Wikipedia in\r\n\r\nchunks.");
  CHECK(o.body_bytes == 23);
}

TEST_CASE("chunk sizes are hex of either case, leading zeros allowed", "[unit]") {
  const auto o = read_whole(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0001\r\n!\r\n000\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.body == "0123456789abcdefghij!");
}

TEST_CASE("chunked without trailers ends at the empty line after the last chunk", "[unit]") {
  HttpResponseReader r;
  BodyCollector sink;
  CHECK(r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", sink) == State::body);
  CHECK(r.headers_done());
  CHECK(r.feed("3\r\nabc\r\n", sink) == State::body);
  CHECK(sink.body == "abc");
  CHECK(r.feed("0\r\n", sink) == State::body);  // trailer section still to come
  CHECK(r.feed("\r\n", sink) == State::done);
  CHECK(r.body_bytes() == 3);
}

TEST_CASE("chunk extensions may have BWS around ';' and '=' (RFC 9112 7.1.1, RFC 9110 5.6.3)", "[unit]") {
  const auto o = read_whole(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5 ; a = b ;c\r\nhello\r\n0\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.error.empty());
  CHECK(o.body == "hello");
}

TEST_CASE("malformed chunked bodies fail", "[unit]") {
  const std::string_view bodies[] = {
      "5\r\nhelloXX\r\n0\r\n\r\n",                  // data not followed by CRLF
      "G\r\nhello\r\n0\r\n\r\n",                    // not hex
      "\r\nhello\r\n0\r\n\r\n",                     // no size at all
      "-5\r\nhello\r\n0\r\n\r\n",                   // sign
      "0x5\r\nhello\r\n0\r\n\r\n",                  // C prefix: "0" then junk, not a last chunk
      "5x\r\nhello\r\n0\r\n\r\n",                   // junk after the size
      "10000000000000000\r\nhello\r\n0\r\n\r\n",    // 2^64: does not fit
      "123456789abcdef0123\r\nhello\r\n0\r\n\r\n",  // far beyond 64 bits
  };
  for (std::string_view body : bodies) {
    INFO(body);
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    bytes += body;
    const auto o = read_whole(bytes);
    CHECK(o.state == State::failed);
    CHECK(starts_with(o.error, "malformed chunked body"));
    CHECK(o.status == 200);
  }
}

TEST_CASE("a malformed trailer line fails", "[unit]") {
  const auto o = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon here\r\n\r\n");
  CHECK(o.state == State::failed);
  CHECK_FALSE(o.error.empty());
}

// ---------------------------------------------------------------- framing choice

TEST_CASE("no Content-Length and no Transfer-Encoding: the body runs until close (RFC 9112 6.3)", "[unit]") {
  HttpResponseReader r;
  BodyCollector sink;
  CHECK(r.feed("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nhel", sink) == State::body);
  CHECK(r.headers_done());
  CHECK(r.feed("lo", sink) == State::body);
  CHECK(r.body_bytes() == 5);
  CHECK(r.close() == State::done);
  CHECK(r.done());
  CHECK(r.error().empty());
  CHECK(sink.body == "hello");
  CHECK(r.body_bytes() == 5);
  CHECK(r.status() == 200);
}

TEST_CASE("an empty close-delimited body is done at close", "[unit]") {
  const auto o = read_whole("HTTP/1.1 200 OK\r\n\r\n", false, true);
  CHECK(o.state == State::done);
  CHECK(o.body.empty());
}

TEST_CASE("Transfer-Encoding with chunked last is chunked (RFC 9112 6.3 item 4)", "[unit]") {
  const char* headers[] = {
      "Transfer-Encoding: chunked\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
      "Transfer-Encoding:  gzip ,  chunked \r\n",
      "transfer-encoding: CHUNKED\r\n",
      "Transfer-Encoding: Chunked\r\n",
      "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",  // two lines are one list
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\n2\r\nok\r\n0\r\n\r\n";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "ok");
  }
}

TEST_CASE("Transfer-Encoding without chunked last: the body runs until close (RFC 9112 6.3 item 4)",
          "[unit]") {
  const char* headers[] = {
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: chunked, gzip\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
      "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n",  // TE overrides CL even when TE is not chunked
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\n2\r\nok\r\n0\r\n\r\n";
    HttpResponseReader r;
    BodyCollector sink;
    CHECK(r.feed(bytes, sink) == State::body);
    CHECK(sink.body == "2\r\nok\r\n0\r\n\r\n");  // not decoded: not chunked framing
    CHECK(r.close() == State::done);
    CHECK(r.body_bytes() == sink.body.size());
  }
}

TEST_CASE("Transfer-Encoding chunked wins over Content-Length (RFC 9112 6.3 item 3)", "[unit]") {
  const char* headers[] = {
      "Transfer-Encoding: chunked\r\nContent-Length: 100\r\n",
      "Content-Length: 100\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n",
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\n5\r\nhello\r\n0\r\n\r\n";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "hello");
  }
}

// ---------------------------------------------------------------- Content-Length values

TEST_CASE("a Content-Length list of equal values is one value (RFC 9110 8.6)", "[unit]") {
  const char* headers[] = {
      "Content-Length: 5, 5\r\n",
      "Content-Length: 5,5\r\n",
      "Content-Length: 5 , 5 , 5\r\n",
      "Content-Length: 5\r\nContent-Length: 5\r\n",
      "Content-Length: 5\r\nContent-Length: 5, 5\r\n",
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\nhelloEXTRA";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "hello");
  }
}

TEST_CASE("bad Content-Length values fail", "[unit]") {
  const char* headers[] = {
      "Content-Length: 5, 6\r\n",
      "Content-Length: 5\r\nContent-Length: 6\r\n",
      "Content-Length: abc\r\n",
      "Content-Length: 5a\r\n",
      "Content-Length: -1\r\n",
      "Content-Length: +5\r\n",
      "Content-Length: 0x5\r\n",
      "Content-Length: 5 5\r\n",
      "Content-Length: 5.0\r\n",
      "Content-Length: \r\n",
      "Content-Length: 99999999999999999999999\r\n",
      "Content-Length: 18446744073709551616\r\n",  // 2^64
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\nhello";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::failed);
    CHECK(starts_with(o.error, "bad Content-Length"));
    CHECK(o.body.empty());
    CHECK(o.body_bytes == 0);
  }
}

// ---------------------------------------------------------------- no body

TEST_CASE("a response to HEAD has no body whatever its headers say (RFC 9112 6.3 item 1)", "[unit]") {
  const char* headers[] = {
      "Content-Length: 5\r\n",
      "Transfer-Encoding: chunked\r\n",
      "",  // would otherwise run until close
  };
  for (const char* h : headers) {
    INFO(h);
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    bytes += h;
    bytes += "\r\nhello";
    HttpResponseReader r(true);
    BodyCollector sink;
    CHECK(r.feed(bytes, sink) == State::done);
    CHECK(r.status() == 200);
    CHECK(r.headers_done());
    CHECK(r.body_bytes() == 0);
    CHECK(sink.body.empty());
    CHECK(r.close() == State::done);
    CHECK(r.error().empty());
  }
}

TEST_CASE("HEAD is done exactly at the end of the headers", "[unit]") {
  HttpResponseReader r(true);
  BodyCollector sink;
  CHECK(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", sink) == State::headers);
  CHECK(r.feed("\r\n", sink) == State::done);
  CHECK(r.body_bytes() == 0);
}

TEST_CASE("204 and 304 have no body whatever their headers say (RFC 9112 6.3 item 1)", "[unit]") {
  const char* responses[] = {
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 1234\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\n\r\n",
  };
  for (const char* resp : responses) {
    INFO(resp);
    std::string bytes = resp;
    bytes += "hello";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body_bytes == 0);
    CHECK(o.body.empty());
    CHECK(o.error.empty());
  }
}

// ---------------------------------------------------------------- 1xx

TEST_CASE("interim 1xx responses are skipped (RFC 9110 15.2)", "[unit]") {
  HttpResponseReader r;
  BodyCollector sink;
  r.feed("HTTP/1.1 100 Continue\r\n", sink);
  CHECK(r.status() == 0);
  CHECK_FALSE(r.headers_done());
  r.feed("\r\n", sink);
  CHECK(r.status() == 0);
  CHECK_FALSE(r.headers_done());
  CHECK_FALSE(r.failed());
  CHECK_FALSE(r.done());
  r.feed("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", sink);
  CHECK(r.status() == 0);
  CHECK_FALSE(r.headers_done());
  CHECK_FALSE(r.failed());
  r.feed("HTTP/1.1 200 OK\r\n", sink);
  CHECK(r.status() == 200);
  CHECK(r.feed("Content-Length: 2\r\n\r\nok", sink) == State::done);
  CHECK(sink.body == "ok");
  CHECK(r.status() == 200);
}

TEST_CASE("an interim response's framing headers do not carry over to the final one", "[unit]") {
  const char* responses[] = {
      "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
      "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nok1234X",
      "HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX",
      "HTTP/1.1 199 Whatever\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX",
  };
  for (const char* resp : responses) {
    INFO(resp);
    const auto o = read_whole(resp);
    CHECK(o.state == State::done);
    CHECK(o.status == 200);
    CHECK((o.body == "ok" || o.body == "ok1234"));
    CHECK(o.body_bytes == o.body.size());
  }
}

TEST_CASE("after an interim response, bytes that cannot begin \"HTTP/\" are not an HTTP response", "[unit]") {
  const auto o = read_whole("HTTP/1.1 100 Continue\r\n\r\ngarbage");
  CHECK(o.state == State::failed);
  CHECK(o.error == "not an HTTP response");
  CHECK(o.status == 0);
}

TEST_CASE("100 Continue then a chunked 200", "[unit]") {
  const auto o = read_whole(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.status == 200);
  CHECK(o.body == "abc");
}

TEST_CASE("101 Switching Protocols is final and has no body", "[unit]") {
  HttpResponseReader r;
  BodyCollector sink;
  CHECK(r.feed("HTTP/1.1 101 Switching Protocols\r\n", sink) == State::headers);
  CHECK(r.status() == 101);
  CHECK(r.feed("Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello", sink) == State::done);
  CHECK(r.status() == 101);
  CHECK(r.headers_done());
  CHECK(r.body_bytes() == 0);
  CHECK(sink.body.empty());
}

TEST_CASE("a HEAD request's final response after an interim one is done at its header end", "[unit]") {
  const auto o = read_whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true);
  CHECK(o.state == State::done);
  CHECK(o.status == 200);
  CHECK(o.body.empty());
}

// ---------------------------------------------------------------- not HTTP, malformed

TEST_CASE("bytes that cannot begin \"HTTP/\" fail at once", "[unit]") {
  const std::string_view inputs[] = {
      "X", "<html>", "SSH-2.0-OpenSSH_9.2\r\n", "\x16\x03\x01\x02\x00"sv,  // a TLS record
      "http/1.1 200 OK\r\n",                                            // HTTP-name is case-sensitive
      "HTTX", "HTTP 200 OK\r\n", "HTTPS/1.1 200 OK\r\n", "H\0TP/"sv, " HTTP/1.1 200 OK\r\n",
  };
  for (std::string_view in : inputs) {
    INFO(in);
    // Fed whole and byte by byte: fails no later than the first wrong byte.
    const auto whole = read_whole(in);
    CHECK(whole.state == State::failed);
    CHECK(whole.error == "not an HTTP response");
    CHECK(whole.status == 0);
    CHECK_FALSE(whole.headers_done);
    HttpResponseReader r;
    BodyCollector sink;
    std::size_t wrong = 0;
    while (wrong < 5 && in[wrong] == "HTTP/"[wrong]) ++wrong;
    for (std::size_t i = 0; i < in.size(); ++i) {
      r.feed(in.substr(i, 1), sink);
      if (i < wrong) {
        CHECK(r.state() == State::status_line);
      } else {
        CHECK(r.state() == State::failed);
        CHECK(r.error() == "not an HTTP response");
      }
    }
  }
}

TEST_CASE("every proper prefix of \"HTTP/\" is still a possible response", "[unit]") {
  for (std::string_view p : {"H", "HT", "HTT", "HTTP", "HTTP/", "HTTP/1", "HTTP/1."}) {
    INFO(p);
    HttpResponseReader r;
    BodyCollector sink;
    CHECK(r.feed(p, sink) == State::status_line);
    CHECK(r.error().empty());
  }
}

TEST_CASE("malformed status lines fail", "[unit]") {
  const std::string_view lines[] = {
      "HTTP/2 200",         "HTTP/2.0 200 OK",    "HTTP/0.9 200 OK", "HTTP/1.10 200 OK", "HTTP/1.x 200 OK",
      "HTTP/1. 200 OK",     "HTTP/1.1 20",        "HTTP/1.1 2000",   "HTTP/1.1 200OK",   "HTTP/1.1 20x OK",
      "HTTP/1.1 -200 OK",   "HTTP/1.1  200 OK",   "HTTP/1.1",        "HTTP/1.1 ",        "HTTP/1.1\t200 OK",
      "HTTP/1.1 600 Nope",  "HTTP/1.1 999 Nope",  "HTTP/1.1 099 Low", "HTTP/1.1 000",    "HTTP/",
  };
  for (std::string_view line : lines) {
    INFO(line);
    std::string bytes(line);
    bytes += "\r\nContent-Length: 2\r\n\r\nok";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::failed);
    CHECK(refused_status_line(o.error));
    CHECK(o.status == 0);
    CHECK_FALSE(o.headers_done);
    CHECK(o.body.empty());
  }
}

TEST_CASE("malformed header lines fail with the line in the reason", "[unit]") {
  const std::string_view lines[] = {
      "NoColonHere", ": no name", "Bad Name: x", "\x01" "Ctl: x",
  };
  for (std::string_view line : lines) {
    INFO(line);
    std::string bytes = "HTTP/1.1 200 OK\r\nServer: x\r\n";
    bytes += line;
    bytes += "\r\nContent-Length: 2\r\n\r\nok";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::failed);
    CHECK(starts_with(o.error, "malformed HTTP header line \""));
    CHECK(o.body.empty());
  }
}

// ---------------------------------------------------------------- size caps

TEST_CASE("a header block larger than 65536 bytes fails", "[unit]") {
  SECTION("one long line fails before its end arrives") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nX-Big: ", sink);
    r.feed(std::string(70000, 'a'), sink);  // no line end yet
    CHECK(r.state() == State::failed);
    CHECK(r.error() == "HTTP headers larger than 65536 bytes");
  }
  SECTION("a long status line fails before its end arrives") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 ", sink);
    r.feed(std::string(70000, 'r'), sink);
    CHECK(r.state() == State::failed);
    CHECK(r.error() == "HTTP headers larger than 65536 bytes");
    CHECK(r.status() == 0);
  }
  SECTION("many short lines") {
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 3000; ++i) bytes += "X-Filler: 0123456789012345678901234567\r\n";  // 40 bytes each
    bytes += "Content-Length: 2\r\n\r\nok";
    const auto whole = read_whole(bytes);
    CHECK(whole.state == State::failed);
    CHECK(whole.error == "HTTP headers larger than 65536 bytes");
    CHECK(whole.body.empty());
    CHECK(read_bytewise(bytes) == whole);
  }
  SECTION("a block under the cap is fine") {
    std::string bytes = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 1500; ++i) bytes += "X-Filler: 0123456789012345678901234567\r\n";  // 60,000 bytes
    bytes += "X-Big: " + std::string(4000, 'b') + "\r\nContent-Length: 2\r\n\r\nok";
    REQUIRE(bytes.size() < 65000);
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "ok");
  }
  SECTION("the cap is per block: an interim block does not count against the final one") {
    const std::string filler = "X-Filler: " + std::string(40000, 'f') + "\r\n";
    std::string bytes = "HTTP/1.1 100 Continue\r\n" + filler + "\r\n";
    bytes += "HTTP/1.1 200 OK\r\n" + filler + "Content-Length: 2\r\n\r\nok";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "ok");
  }
}

TEST_CASE("a chunk-size line longer than 4 KiB or trailers larger than 65536 bytes fail", "[unit]") {
  SECTION("a chunk-size line with a huge extension, before its end arrives") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=", sink);
    r.feed(std::string(70000, 'e'), sink);
    CHECK(r.state() == State::failed);
    CHECK_FALSE(r.error().empty());
  }
  SECTION("a chunk-size line longer than 4 KiB, before its end arrives") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=", sink);
    r.feed(std::string(5000, 'e'), sink);
    CHECK(r.state() == State::failed);
    CHECK(starts_with(r.error(), "malformed chunked body"));
  }
  SECTION("a chunk-size line of 3,000 bytes is fine") {
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=";
    bytes += std::string(3000, 'e') + "\r\nhello\r\n0\r\n\r\n";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body == "hello");
  }
  SECTION("a trailer line before its end arrives") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: ", sink);
    r.feed(std::string(70000, 't'), sink);
    CHECK(r.state() == State::failed);
    CHECK_FALSE(r.error().empty());
    CHECK(sink.body == "ok");
  }
  SECTION("many trailer lines") {
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
    for (int i = 0; i < 3000; ++i) bytes += "X-Filler: 0123456789012345678901234567\r\n";
    bytes += "\r\n";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::failed);
    CHECK_FALSE(o.error.empty());
  }
  SECTION("the body itself is not capped") {
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    bytes += "30000\r\n" + std::string(0x30000, 'x') + "\r\n0\r\n\r\n";
    const auto o = read_whole(bytes);
    CHECK(o.state == State::done);
    CHECK(o.body_bytes == 0x30000);
  }
}

// ---------------------------------------------------------------- close()

TEST_CASE("close() completes or fails with the header's reasons", "[unit]") {
  SECTION("nothing received") {
    HttpResponseReader r;
    CHECK(r.close() == State::failed);
    CHECK(r.error() == "connection closed without an HTTP response");
    CHECK(r.status() == 0);
  }
  SECTION("only empty feeds") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("", sink);
    CHECK(r.close() == State::failed);
    CHECK(r.error() == "connection closed without an HTTP response");
  }
  SECTION("part of a status line") {
    const auto o = read_whole("HTTP/1.1 2", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed before the HTTP headers ended");
  }
  SECTION("part of the headers") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nServer: x\r\n", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed before the HTTP headers ended");
    CHECK(o.status == 200);
  }
  SECTION("part of a header line") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Len", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed before the HTTP headers ended");
  }
  SECTION("after an interim response only") {
    const auto o = read_whole("HTTP/1.1 100 Continue\r\n\r\n", false, true);
    CHECK(o.state == State::failed);
    CHECK((o.error == "connection closed before the HTTP headers ended" ||
           o.error == "connection closed without an HTTP response"));
    CHECK(o.status == 0);
  }
  SECTION("Content-Length body cut short") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (3 bytes)");
    CHECK(o.body == "abc");
    CHECK(o.status == 200);
  }
  SECTION("Content-Length body not begun") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (0 bytes)");
  }
  SECTION("chunked body cut inside a chunk") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nab", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (7 bytes)");
    CHECK(o.body == "helloab");
  }
  SECTION("chunked body cut inside a size line") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (5 bytes)");
  }
  SECTION("chunked body cut before the CRLF after the data") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (5 bytes)");
  }
  SECTION("chunked body cut in the trailers") {
    const auto o = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: y\r\n", false, true);
    CHECK(o.state == State::failed);
    CHECK(o.error == "connection closed mid-body (5 bytes)");
  }
  SECTION("close after done changes nothing") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", sink);
    CHECK(r.close() == State::done);
    CHECK(r.close() == State::done);
    CHECK(r.error().empty());
    CHECK(r.body_bytes() == 2);
  }
  SECTION("close after failure keeps the first reason") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("garbage", sink);
    CHECK(r.close() == State::failed);
    CHECK(r.error() == "not an HTTP response");
  }
  SECTION("a second close keeps the first close's reason") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", sink);
    CHECK(r.close() == State::failed);
    CHECK(r.close() == State::failed);
    CHECK(r.error() == "connection closed mid-body (3 bytes)");
  }
  SECTION("feeding after close changes nothing") {
    HttpResponseReader r;
    BodyCollector sink;
    r.feed("HTTP/1.1 200 OK\r\n\r\nab", sink);
    CHECK(r.close() == State::done);
    CHECK(r.feed("cd", sink) == State::done);
    CHECK(sink.body == "ab");
    CHECK(r.body_bytes() == 2);
  }
}

// ---------------------------------------------------------------- after done or failed

TEST_CASE("bytes after done or failed are ignored", "[unit]") {
  SECTION("after a Content-Length body") {
    HttpResponseReader r;
    BodyCollector sink;
    CHECK(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", sink) == State::done);
    CHECK(sink.body == "ok");
    CHECK(r.feed("HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad", sink) == State::done);
    CHECK(r.feed("garbage", sink) == State::done);
    CHECK(sink.body == "ok");
    CHECK(r.body_bytes() == 2);
    CHECK(r.status() == 200);
    CHECK(r.error().empty());
  }
  SECTION("after a failure") {
    HttpResponseReader r;
    BodyCollector sink;
    CHECK(r.feed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", sink) == State::failed);
    const std::string why = r.error();
    CHECK(starts_with(why, "bad Content-Length"));
    CHECK(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", sink) == State::failed);
    CHECK(r.error() == why);
    CHECK(sink.body.empty());
    CHECK(r.body_bytes() == 0);
  }
}

// ---------------------------------------------------------------- splits

TEST_CASE("every split of the bytes gives the same outcome", "[unit]") {
  struct Case { std::string_view bytes; bool head; bool close; };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world trailing", false, false},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4;a=b\r\nWiki\r\n5;q=\"x;y\"\r\npedia\r\n"
       "0;z\r\nX-T: 1\r\nY-T: 2\r\n\r\nEXTRA",
       false, false},
      {"HTTP/1.0 200 OK\r\nServer: s\r\n\r\nclose-delimited body\r\n\r\n", false, true},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcd",
       false, false},
      {"HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", false, false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true, false},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0", false, false},
      {"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc", false, false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nab", false, true},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello", false, false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false, false},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY\r\n", false, false},
      {"HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", false, false},
      {"HTTP/1.1 2000 OK\r\n\r\n", false, false},
      {"HTTP/2 200\r\n\r\n", false, false},
      {"HTTP/1.1 200 OK\r\nServer: x\r\n", false, true},
      {"HTTX/1.1 200 OK\r\n\r\n", false, false},
  };
  for (const auto& c : cases) {
    INFO(c.bytes << " head " << c.head << " close " << c.close);
    const Outcome whole = read_whole(c.bytes, c.head, c.close);
    CHECK(read_bytewise(c.bytes, c.head, c.close) == whole);
    for (std::size_t i = 0; i <= c.bytes.size(); ++i) {
      INFO("split at " << i);
      CHECK(read_pieces({c.bytes.substr(0, i), c.bytes.substr(i)}, c.head, c.close) == whole);
    }
  }
}

TEST_CASE("every three-piece split of a chunked response gives the same outcome", "[unit]") {
  const std::string_view bytes =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\nZ";
  const Outcome whole = read_whole(bytes);
  REQUIRE(whole.state == State::done);
  REQUIRE(whole.body == "abcde");
  for (std::size_t i = 0; i <= bytes.size(); ++i) {
    for (std::size_t j = i; j <= bytes.size(); ++j) {
      const Outcome o = read_pieces({bytes.substr(0, i), bytes.substr(i, j - i), bytes.substr(j)});
      if (!(o == whole)) {
        INFO("split at " << i << " and " << j);
        CHECK(o == whole);
      }
    }
  }
}

TEST_CASE("a large Content-Length body in uneven pieces", "[unit]") {
  std::string body;
  for (int i = 0; i < 100000; ++i) body += static_cast<char>('a' + i % 26);
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + body + "EXTRA";
  HttpResponseReader r;
  BodyCollector sink;
  std::size_t at = 0;
  for (std::size_t step = 1; at < bytes.size(); step = step * 3 % 4099 + 1) {
    const std::size_t n = std::min(step, bytes.size() - at);
    r.feed(std::string_view(bytes).substr(at, n), sink);
    at += n;
    CHECK(r.body_bytes() == sink.body.size());
  }
  CHECK(r.state() == State::done);
  CHECK(sink.body == body);
  CHECK(r.body_bytes() == 100000);
}

}  // namespace tandem::checks

// HttpResponseReader: reads the one HTTP/1.x response to a request a check
// sent, from bytes as they arrive in any split, and says when it is complete
// and what its status is; the body is handed out without its framing. Pure:
// no sockets, no clocks, no allocation beyond one partial line.
//
// What it accepts (RFC 9112, as a client that sent one request and
// "Connection: close"): a status line "HTTP/1.<d> <3 digits>[ reason]";
// interim 1xx responses, skipped (101 is final); field lines "token: value"
// ending in CRLF or a bare LF (a folded line is skipped, unless it continues
// Content-Length or Transfer-Encoding: then it fails); a body framed by
// Transfer-Encoding chunked, by Content-Length (a list of equal values is one
// value), or by the connection's close, and no body after HEAD or for 1xx,
// 204 and 304. A header block (status line included) or the trailers larger
// than kMaxHeaderBytes, a chunk-size line longer than 4 KiB, or anything
// malformed fails with a reason for the log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::checks {

// Receives the body, in order, as it is read.
class HttpBodySink {
 public:
  virtual void on_body(std::string_view bytes) = 0;

 protected:
  ~HttpBodySink() = default;
};

class HttpResponseReader {
 public:
  static constexpr std::size_t kMaxHeaderBytes = 65536;

  enum class State : std::uint8_t { status_line, headers, body, done, failed };

  // `head_request`: the request was HEAD, so the response has no body
  // whatever its headers say.
  explicit HttpResponseReader(bool head_request = false) : head_request_(head_request) {}

  // Consumes `bytes`, passing body bytes to `sink`. Returns the state after
  // them; once done or failed, further bytes are ignored (a server that sends
  // more than its one response gets no say).
  State feed(std::string_view bytes, HttpBodySink& sink);
  // The peer closed the connection: completes a body delimited by the close;
  // fails anything else unfinished ("connection closed without an HTTP
  // response", "connection closed before the HTTP headers ended",
  // "connection closed mid-body (N bytes)").
  State close();

  State state() const noexcept { return state_; }
  bool done() const noexcept { return state_ == State::done; }
  bool failed() const noexcept { return state_ == State::failed; }
  // The final response's status; 0 until its status line was read.
  int status() const noexcept { return status_; }
  // The final response's headers are complete (its body, if any, follows).
  bool headers_done() const noexcept { return state_ == State::body || state_ == State::done; }
  // Body bytes handed to the sink so far.
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }
  // Why it failed: "not an HTTP response", "HTTP headers larger than 65536
  // bytes", "malformed HTTP header line \"...\"", "bad Content-Length ...",
  // "malformed chunked body: ...", "malformed HTTP trailer line \"...\"",
  // "HTTP trailers larger than 65536 bytes", or one of close()'s reasons.
  // Empty otherwise.
  const std::string& error() const noexcept { return error_; }

 private:
  enum class Framing : std::uint8_t { none, length, chunked, until_close };
  // Within a chunked body: the size line, the data, the CRLF after the data,
  // the trailer lines after the last chunk.
  enum class ChunkPart : std::uint8_t { size_line, data, data_end, trailers };

  // Takes one line (without its end) from the front of `in`, joined to a
  // partial line kept from earlier bytes. Returns false if the line is not
  // complete yet, or when it makes `what` longer than `cap`: then the reader
  // has failed with "<what> larger than <cap> bytes".
  bool take_line(std::string_view& in, std::string_view& line, std::size_t cap, std::string_view what);
  void status_line(std::string_view line);
  void header_line(std::string_view line);
  void headers_end();
  void body(std::string_view& in, HttpBodySink& sink);
  void chunked(std::string_view& in, HttpBodySink& sink);
  void hand_out(std::string_view bytes, HttpBodySink& sink);
  void fail(std::string why);

  bool head_request_;
  State state_ = State::status_line;
  int status_ = 0;        // of the final response
  int block_status_ = 0;  // of the response whose headers are being read (may be interim)
  std::string partial_;   // a line split across feeds
  std::size_t block_bytes_ = 0;  // header bytes of the current block (or of the trailers)
  bool saw_any_byte_ = false;
  Framing framing_ = Framing::until_close;
  bool chunked_coding_ = false;
  bool other_coding_ = false;  // a transfer coding other than a final chunked
  bool has_length_ = false;
  bool last_field_frames_ = false;  // the last field line was Content-Length or Transfer-Encoding
  std::uint64_t length_ = 0;     // Content-Length, then what is left of it
  ChunkPart chunk_part_ = ChunkPart::size_line;
  std::uint64_t chunk_left_ = 0;
  bool chunk_cr_ = false;  // the CR of the CRLF after a chunk's data was read
  std::uint64_t body_bytes_ = 0;
  std::string error_;
};

}  // namespace tandem::checks

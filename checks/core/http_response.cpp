// HttpResponseReader: status line, headers, body framing; see http_response.hpp.
#include "checks/core/http_response.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "checks/core/http_request.hpp"
#include "checks/core/reasons.hpp"

namespace tandem::checks {

namespace {

// A chunk-size line is hex digits and optional extensions; nothing honest needs more.
constexpr std::size_t kMaxChunkLine = 4096;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}


// A decimal number with no sign and no spaces, within 64 bits.
bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_token_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The name of a field line "name: value" (RFC 9110 5.1: a token; whitespace
// before the colon is tolerated, as proxies strip it); empty if the line is
// not a field line. The caller has dealt with folded lines (leading space).
std::string_view field_name(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string_view name = trim(line.substr(0, colon));
  if (!std::all_of(name.begin(), name.end(), is_token_char)) return {};
  return name;
}

// The bytes seen so far could still begin "HTTP/".
bool could_be_http(std::string_view start) {
  constexpr std::string_view prefix = "HTTP/";
  const std::size_t n = std::min(start.size(), prefix.size());
  return start.substr(0, n) == prefix.substr(0, n);
}

}  // namespace

HttpResponseReader::State HttpResponseReader::feed(std::string_view in, HttpBodySink& sink) {
  if (!in.empty()) saw_any_byte_ = true;
  while (!in.empty() && state_ != State::done && state_ != State::failed) {
    if (state_ == State::body) {
      body(in, sink);
      continue;
    }
    if (state_ == State::status_line && partial_.size() < 5) {
      // Garbage is refused at its first byte, not after a line of it.
      const std::size_t n = std::min(in.size(), 5 - partial_.size());
      std::string start = partial_;
      start.append(in.substr(0, n));
      if (!could_be_http(start)) {
        fail(reason::not_http());
        break;
      }
    }
    std::string_view line;
    if (!take_line(in, line, kMaxHeaderBytes, "HTTP headers")) break;
    if (state_ == State::status_line) {
      status_line(line);
    } else {
      header_line(line);
    }
  }
  return state_;
}

HttpResponseReader::State HttpResponseReader::close() {
  switch (state_) {
    case State::done:
    case State::failed:
      break;
    case State::status_line:
      if (!saw_any_byte_) {
        fail(reason::closed_without_response());
      } else {
        fail("connection closed before the HTTP headers ended");
      }
      break;
    case State::headers:
      fail("connection closed before the HTTP headers ended");
      break;
    case State::body:
      if (framing_ == Framing::until_close) {
        state_ = State::done;
      } else {
        fail(reason::closed_mid_body(body_bytes_));
      }
      break;
  }
  return state_;
}

bool HttpResponseReader::take_line(std::string_view& in, std::string_view& line, std::size_t cap,
                                   std::string_view what) {
  const std::size_t lf = in.find('\n');
  const std::size_t took = lf == std::string_view::npos ? in.size() : lf + 1;
  block_bytes_ += took;
  if (block_bytes_ > cap) {
    fail(fmt::format("{} larger than {} bytes", what, cap));
    return false;
  }
  if (lf == std::string_view::npos) {
    partial_.append(in);
    in = {};
    return false;
  }
  if (partial_.empty()) {
    line = in.substr(0, lf);
  } else {
    partial_.append(in.substr(0, lf));
    line = partial_;
  }
  in.remove_prefix(took);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

void HttpResponseReader::status_line(std::string_view line) {
  // "HTTP/1.1 200 OK": the version, one space, three digits, then a space and
  // the reason phrase, or nothing.
  const bool ok = line.size() >= 12 && line.substr(0, 7) == "HTTP/1." && is_digit(line[7]) && line[8] == ' ' &&
                  is_digit(line[9]) && is_digit(line[10]) && is_digit(line[11]) &&
                  (line.size() == 12 || line[12] == ' ');
  const int status = ok ? (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0') : 0;
  partial_.clear();
  if (!ok || status < 100 || status > 599) return fail(reason::not_http());
  block_status_ = status;
  if (status >= 200 || status == 101) status_ = status;
  chunked_coding_ = other_coding_ = has_length_ = last_field_frames_ = false;
  length_ = 0;
  state_ = State::headers;
}

void HttpResponseReader::header_line(std::string_view line) {
  if (line.empty()) {
    partial_.clear();
    return headers_end();
  }
  // A line folded onto the previous one (obsolete, RFC 9112 5.2) continues a
  // field we do not need to read whole, unless that field decides where the
  // body ends: a folded Content-Length or Transfer-Encoding is refused
  // rather than read in part.
  const bool folded = line.front() == ' ' || line.front() == '\t';
  const std::string_view name = folded ? std::string_view() : field_name(line);
  if ((folded && last_field_frames_) || (!folded && name.empty())) {
    const std::string shown = reason::printable(line);
    partial_.clear();
    return fail(fmt::format("malformed HTTP header line \"{}\"", shown));
  }
  if (folded) {
    partial_.clear();
    return;
  }
  const std::string_view value = trim(line.substr(line.find(':') + 1));
  const bool is_length = http_names_equal(name, "Content-Length");
  const bool is_coding = http_names_equal(name, "Transfer-Encoding");
  last_field_frames_ = is_length || is_coding;
  if (is_length) {
    // "42" or a list of equal values "42, 42" (RFC 9110 8.6); anything else
    // leaves the framing unknowable.
    std::uint64_t first = 0;
    bool any = false;
    std::string_view rest = value;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::uint64_t v = 0;
      if (!parse_decimal(trim(rest.substr(0, comma)), v) || (any && v != first) ||
          (has_length_ && v != length_)) {
        const std::string shown = reason::printable(value);
        partial_.clear();
        return fail(fmt::format("bad Content-Length \"{}\"", shown));
      }
      first = v;
      any = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    has_length_ = true;
    length_ = first;
  } else if (is_coding) {
    // Codings apply in order; the body is chunked only if chunked is the last.
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view coding = trim(rest.substr(0, comma));
      if (!coding.empty()) {
        const bool is_chunked = http_names_equal(coding, "chunked");
        chunked_coding_ = is_chunked;
        if (!is_chunked) other_coding_ = true;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  partial_.clear();
}

void HttpResponseReader::headers_end() {
  block_bytes_ = 0;
  if (block_status_ < 200 && block_status_ != 101) {
    // An interim response (100 Continue, 103 Early Hints): the final one follows.
    state_ = State::status_line;
    return;
  }
  state_ = State::body;
  if (head_request_ || block_status_ < 200 || block_status_ == 204 || block_status_ == 304) {
    framing_ = Framing::none;
    state_ = State::done;
  } else if (chunked_coding_) {
    framing_ = Framing::chunked;  // RFC 9112 6.3: chunked overrides Content-Length
    chunk_part_ = ChunkPart::size_line;
  } else if (other_coding_) {
    framing_ = Framing::until_close;
  } else if (has_length_) {
    framing_ = Framing::length;
    if (length_ == 0) state_ = State::done;
  } else {
    framing_ = Framing::until_close;
  }
}

void HttpResponseReader::body(std::string_view& in, HttpBodySink& sink) {
  switch (framing_) {
    case Framing::none:
      state_ = State::done;
      return;
    case Framing::until_close:
      hand_out(in, sink);
      in = {};
      return;
    case Framing::length: {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length_, in.size()));
      hand_out(in.substr(0, n), sink);
      in.remove_prefix(n);
      length_ -= n;
      if (length_ == 0) state_ = State::done;
      return;
    }
    case Framing::chunked:
      chunked(in, sink);
      return;
  }
}

void HttpResponseReader::chunked(std::string_view& in, HttpBodySink& sink) {
  std::string_view line;
  switch (chunk_part_) {
    case ChunkPart::size_line: {
      if (!take_line(in, line, kMaxChunkLine, "malformed chunked body: chunk-size line")) return;
      // chunk-size [ ; extensions ]: the extensions mean nothing to us.
      const std::string_view digits = trim(line.substr(0, line.find(';')));
      std::uint64_t size = 0;
      bool ok = !digits.empty() && digits.size() <= 15;  // 15 hex digits: no overflow
      for (char c : digits) {
        const int v = hex_value(c);
        if (v < 0) ok = false;
        size = size * 16 + static_cast<std::uint64_t>(v < 0 ? 0 : v);
      }
      partial_.clear();
      block_bytes_ = 0;
      if (!ok) return fail("malformed chunked body: bad chunk size");
      chunk_left_ = size;
      chunk_part_ = size == 0 ? ChunkPart::trailers : ChunkPart::data;
      return;
    }
    case ChunkPart::data: {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, in.size()));
      hand_out(in.substr(0, n), sink);
      in.remove_prefix(n);
      chunk_left_ -= n;
      if (chunk_left_ == 0) chunk_part_ = ChunkPart::data_end;
      return;
    }
    case ChunkPart::data_end: {
      // CRLF (or a bare LF) and nothing else after the chunk's data.
      const char c = in.front();
      if (c == '\r' && !chunk_cr_) {
        chunk_cr_ = true;
        in.remove_prefix(1);
        return;
      }
      if (c != '\n') return fail("malformed chunked body: no line end after a chunk");
      in.remove_prefix(1);
      chunk_cr_ = false;
      chunk_part_ = ChunkPart::size_line;
      return;
    }
    case ChunkPart::trailers: {
      if (!take_line(in, line, kMaxHeaderBytes, "HTTP trailers")) return;
      // Trailer fields mean nothing to a check, but they must be field lines.
      const bool end = line.empty();
      const bool field = end || line.front() == ' ' || line.front() == '\t' || !field_name(line).empty();
      const std::string shown = field ? std::string() : reason::printable(line);
      partial_.clear();
      if (!field) return fail(fmt::format("malformed HTTP trailer line \"{}\"", shown));
      if (end) state_ = State::done;
      return;
    }
  }
}

void HttpResponseReader::hand_out(std::string_view bytes, HttpBodySink& sink) {
  if (bytes.empty()) return;
  body_bytes_ += bytes.size();
  sink.on_body(bytes);
}

void HttpResponseReader::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  partial_.clear();
  partial_.shrink_to_fit();
}

}  // namespace tandem::checks

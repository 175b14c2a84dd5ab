// libFuzzer target for HttpResponseReader: any bytes, for GET and for HEAD,
// fed whole, in two pieces at a split point taken from the input, and byte by
// byte, then closed. Properties (std::abort() on a breach): the three readings
// agree on state, status, error, body bytes and body; body_bytes() is what the
// sink received; done and failed are final; after close() the reader is done
// or failed; status() is 0 or 100..599; error() is empty exactly when not
// failed. Built and run by tests/fuzz.sh (tests/checks/CMakeLists.txt).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checks/core/http_response.hpp"

using namespace tandem::checks;

namespace {

using State = HttpResponseReader::State;

struct BodyCollector final : HttpBodySink {
  std::string body;
  void on_body(std::string_view bytes) override { body.append(bytes); }
};

struct Reading {
  HttpResponseReader reader;
  BodyCollector sink;
  explicit Reading(bool head) : reader(head) {}

  void feed(std::string_view bytes) {
    const State before = reader.state();
    const std::string error_before = reader.error();
    const std::uint64_t body_before = reader.body_bytes();
    const State after = reader.feed(bytes, sink);
    if (after != reader.state()) std::abort();
    if ((before == State::done || before == State::failed) &&
        (after != before || reader.error() != error_before || reader.body_bytes() != body_before)) {
      std::abort();  // done and failed are final
    }
    check();
  }

  void close() {
    const State before = reader.state();
    const std::string error_before = reader.error();
    const State after = reader.close();
    if (after != reader.state()) std::abort();
    if (!reader.done() && !reader.failed()) std::abort();
    if ((before == State::done || before == State::failed) &&
        (reader.state() != before || reader.error() != error_before)) {
      std::abort();
    }
    check();
  }

  void check() const {
    if (reader.body_bytes() != sink.body.size()) std::abort();
    if (reader.error().empty() != !reader.failed()) std::abort();
    const int status = reader.status();
    if (status != 0 && (status < 100 || status > 599)) std::abort();
    if (reader.headers_done() && status == 0) std::abort();
    if (reader.body_bytes() != 0 && !reader.headers_done() && !reader.failed()) std::abort();
  }
};

bool same(const Reading& a, const Reading& b) {
  return a.reader.state() == b.reader.state() && a.reader.status() == b.reader.status() &&
         a.reader.error() == b.reader.error() && a.reader.body_bytes() == b.reader.body_bytes() &&
         a.sink.body == b.sink.body && a.reader.headers_done() == b.reader.headers_done();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A split point that depends on the input, so the fuzzer explores it too.
  std::size_t split = 0;
  for (std::size_t i = 0; i < size && i < 8; ++i) split = split * 131 + data[size - 1 - i];
  split = size == 0 ? 0 : split % (size + 1);

  for (bool head : {false, true}) {
    Reading whole(head), two(head), bytewise(head);
    whole.feed(bytes);
    two.feed(bytes.substr(0, split));
    two.feed(bytes.substr(split));
    for (std::size_t i = 0; i < size; ++i) bytewise.feed(bytes.substr(i, 1));
    if (!same(whole, two) || !same(whole, bytewise)) std::abort();

    whole.close();
    two.close();
    bytewise.close();
    if (!same(whole, two) || !same(whole, bytewise)) std::abort();
    whole.close();  // a second close changes nothing
    if (!same(whole, two)) std::abort();
  }
  return 0;
}

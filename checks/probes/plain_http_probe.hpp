// PlainHttpProbe: an http check (no TLS, a new connection each run) with
// tandem's own HTTP/1.1 client: connect through the ConnectPoller, send the
// request in one write, read the response through the SocketWatch into an
// HttpResponseReader, and judge it with HttpJudge, exactly as HttpProbe
// judges what libcurl read. One object per run.
//
// Why not libcurl here, as for https: libcurl 7.88 makes 14 system calls of
// its own per transfer that no option removes (fcntl twice, poll,
// getsockopt, getsockname three times, getpeername twice, ...) and reads the
// clock about 50 times; inside user-mode-linux each costs about 26 us, which
// put an http check above keepalived's cost (docs/performance.md). This
// client makes socket, connect, send, one epoll_ctl, recv and close, and
// shares one poll and one epoll_wait per 5 ms look with every other probe.
// TLS (and connection reuse) stay with libcurl, where its weight is earned.
#pragma once

#include <memory>
#include <string>

#include "checks/core/check_definition.hpp"
#include "checks/core/http_response.hpp"
#include "checks/probes/completion.hpp"
#include "checks/probes/connect_poller.hpp"
#include "checks/probes/http_judge.hpp"
#include "checks/probes/probe.hpp"
#include "checks/probes/socket_watch.hpp"
#include "common/asio.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace tandem::checks {

// What does not change between runs of one check of one real server: the
// request's bytes, the target, the compiled body rules.
class PlainHttpPlan {
 public:
  // errc::not_http unless `d` is an http check without connection reuse;
  // errc::bad_body_regex or errc::bad_body_digest.
  static Result<std::shared_ptr<const PlainHttpPlan>> make(std::shared_ptr<const CheckDefinition> d,
                                                          const Endpoint& real);
  static Result<std::shared_ptr<const PlainHttpPlan>> make(const CheckDefinition& d, const Endpoint& real) {
    return make(std::make_shared<const CheckDefinition>(d), real);
  }
  // The checks this client serves: http, a new connection each run.
  static bool serves(const CheckDefinition& d) noexcept { return d.kind == CheckKind::http && !d.reuse_connection; }

  const CheckDefinition& definition() const noexcept { return *def_; }
  const HttpBodyRules& body_rules() const noexcept { return rules_; }
  const std::string& request() const noexcept { return request_; }
  const asio::ip::tcp::endpoint& target() const noexcept { return target_; }

 private:
  PlainHttpPlan() = default;
  std::shared_ptr<const CheckDefinition> def_;
  HttpBodyRules rules_;
  std::string request_;
  asio::ip::tcp::endpoint target_;
};

class PlainHttpProbe final : public Probe, public SocketWatcher, public std::enable_shared_from_this<PlainHttpProbe> {
 public:
  PlainHttpProbe(asio::io_context& io, std::shared_ptr<const PlainHttpPlan> plan);

  // Verdicts as HttpProbe's: "HTTP 200"; failures "connect refused", "connect
  // timeout after N ms", "HTTP 503 (expected 200)", "body did not match /re/",
  // "body SHA-256 X (expected Y)", "body larger than N bytes", "no HTTP
  // response within N ms", "HTTP headers incomplete after N ms", "HTTP body
  // incomplete after N ms (B bytes)", "connection reset by peer",
  // "connection closed without an HTTP response", "connection closed mid-body
  // (B bytes)", "not an HTTP response", and HttpResponseReader's other reasons.
  void cancel() override;

 private:
  enum class Phase { connecting, sending, reading, finished };

  void run(TimePoint now, ProbeDone done) override;
  void on_connect(std::error_code ec, UniqueFd fd, TimePoint seen);
  void on_ready(std::uint32_t events, TimePoint now) override;
  void on_deadline(TimePoint now) override;
  // Writes what is left of the request, then waits for the response.
  void send_request(TimePoint now);
  void read_response(std::uint32_t events, TimePoint now);
  // The verdict once the reader is done, failed, or the judge hit the cap.
  void judge_reader(TimePoint now);
  // From run() or cancel(): the verdict is posted to the loop.
  void finish(ProbeResult r);
  // From a handler: the verdict is delivered at once.
  void conclude(ProbeResult r);
  void release();

  ConnectPoller& poller_;
  std::shared_ptr<const PlainHttpPlan> plan_;
  ProbeCompletion completion_;
  HttpResponseReader reader_;
  HttpJudge judge_;
  WatchedSocket socket_;
  Phase phase_ = Phase::connecting;
  ConnectPoller::Ticket connect_ticket_ = 0;
  TimePoint deadline_at_{};
  std::size_t sent_ = 0;
};

}  // namespace tandem::checks

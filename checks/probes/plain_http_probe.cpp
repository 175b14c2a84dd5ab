// PlainHttpProbe: connect, send, read, judge; see plain_http_probe.hpp.
#include "checks/probes/plain_http_probe.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "checks/core/errc.hpp"
#include "checks/core/http_request.hpp"
#include "checks/core/reasons.hpp"
#include "checks/probes/probe_socket.hpp"
#include "checks/probes/tcp_probe.hpp"

namespace tandem::checks {

namespace {

// Every probe of a loop reads into the same buffer (one thread, and the
// reader keeps only a split line): memory per probe in flight stays small.
std::array<char, 65536>& read_buffer() {
  static thread_local std::array<char, 65536> buffer;
  return buffer;
}

ProbeResult io_error(int err) {
  if (err == ECONNRESET || err == EPIPE) return ProbeResult::failure(reason::connection_reset());
  return ProbeResult::failure(fmt::format("HTTP I/O error: {}", std::strerror(err)));
}

}  // namespace

Result<std::shared_ptr<const PlainHttpPlan>> PlainHttpPlan::make(std::shared_ptr<const CheckDefinition> d,
                                                                const Endpoint& real) {
  if (!serves(*d)) return make_error_code(errc::not_http);
  auto rules = HttpBodyRules::make(*d);
  if (!rules) return rules.error();
  std::shared_ptr<PlainHttpPlan> p(new PlainHttpPlan());
  const Endpoint target = probe_target(*d, real);
  p->request_ = http_request_text(*d, target);
  p->target_ = to_asio(target);
  p->rules_ = std::move(rules).value();
  p->def_ = std::move(d);
  return std::shared_ptr<const PlainHttpPlan>(std::move(p));
}

PlainHttpProbe::PlainHttpProbe(asio::io_context& io, std::shared_ptr<const PlainHttpPlan> plan)
    : poller_(asio::use_service<ConnectPoller>(io)),
      plan_(std::move(plan)),
      completion_(io),
      reader_(plan_->definition().method == "HEAD"),
      judge_(plan_->definition(), plan_->body_rules()),
      socket_(asio::use_service<SocketWatch>(io)) {}

void PlainHttpProbe::run(TimePoint now, ProbeDone done) {
  completion_.arm(std::move(done));
  const CheckDefinition& d = plan_->definition();
  if (!judge_.start()) return finish(ProbeResult::failure("HTTP probe: SHA-256 unavailable"));
  deadline_at_ = now + d.timeout;
  const auto& target = plan_->target();
  UniqueFd fd;
  if (auto failed = open_probe_socket(target, d.source_address, fd)) return finish(*std::move(failed));
  auto self = shared_from_this();
  connect_ticket_ = poller_.connect(std::move(fd), target, now, deadline_at_,
                                    [self](std::error_code ec, UniqueFd s, TimePoint seen) {
                                      self->on_connect(ec, std::move(s), seen);
                                    });
}

void PlainHttpProbe::cancel() {
  auto self = shared_from_this();  // the poller or the watch may hold the last other reference
  if (phase_ == Phase::connecting) poller_.cancel(connect_ticket_);
  finish(ProbeResult::failure("cancelled"));
}

void PlainHttpProbe::on_connect(std::error_code ec, UniqueFd fd, TimePoint seen) {
  if (completion_.finished()) return;
  if (auto failed = connect_failure(ec, plan_->definition().timeout, seen)) return conclude(*std::move(failed));
  socket_.attach(std::move(fd));
  phase_ = Phase::sending;
  // A connect reported inside connect() carries no look time; the watch then reads the clock itself.
  send_request(seen);
}

void PlainHttpProbe::send_request(TimePoint now) {
  const std::string& request = plan_->request();
  while (sent_ < request.size()) {
    const ssize_t n = ::send(socket_.fd(), request.data() + sent_, request.size() - sent_, MSG_NOSIGNAL);
    if (n >= 0) {
      sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // a full send buffer: wait until writable
    return conclude(io_error(errno).seen_at(now));
  }
  const bool all_sent = sent_ == request.size();
  const std::uint32_t events = all_sent ? (EPOLLIN | EPOLLRDHUP) : EPOLLOUT;
  if (const auto ec = socket_.wait_for(events, deadline_at_, now, shared_from_this()))
    return conclude(ProbeResult::failure(fmt::format("HTTP probe: cannot watch the socket: {}", ec.message())));
  if (all_sent) phase_ = Phase::reading;
}

void PlainHttpProbe::on_ready(std::uint32_t events, TimePoint now) {
  if (completion_.finished()) return;
  if (phase_ == Phase::sending) return send_request(now);  // an error or a reset shows up as send()'s errno
  read_response(events, now);
}

void PlainHttpProbe::read_response(std::uint32_t events, TimePoint now) {
  auto& buffer = read_buffer();
  while (true) {
    const ssize_t n = ::recv(socket_.fd(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return conclude(io_error(errno).seen_at(now));
    }
    if (n == 0) {
      reader_.close();
      return judge_reader(now);
    }
    reader_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), judge_);
    if (reader_.done() || reader_.failed() || judge_.over_cap()) return judge_reader(now);
    if (static_cast<std::size_t>(n) == buffer.size()) continue;  // there may be more now
    // Drained. A peer that sent FIN (and no reset) has nothing more to say:
    // end the body here instead of one look later with a recv() of 0.
    if ((events & (EPOLLERR | EPOLLHUP)) == 0) {
      if ((events & EPOLLRDHUP) != 0) {
        reader_.close();
        return judge_reader(now);
      }
      return;  // the rest comes later
    }
    // An error or hang-up: the next recv() says which.
  }
}

void PlainHttpProbe::judge_reader(TimePoint now) {
  const long status = reader_.status();
  if (judge_.over_cap()) return conclude(judge_.cut_at_cap(status).seen_at(now));
  if (reader_.done()) return conclude(judge_.complete(status).seen_at(now));
  conclude(ProbeResult::failure(reader_.error()).seen_at(now));
}

void PlainHttpProbe::on_deadline(TimePoint now) {
  socket_.deadline_passed();
  if (completion_.finished()) return;
  const Duration timeout = plan_->definition().timeout;
  if (phase_ == Phase::sending || reader_.status() == 0)
    return conclude(ProbeResult::failure(reason::no_http_response(timeout)).seen_at(now));
  if (!reader_.headers_done())
    return conclude(ProbeResult::failure(reason::http_headers_incomplete(timeout)).seen_at(now));
  conclude(ProbeResult::failure(reason::http_body_incomplete(timeout, judge_.body_bytes())).seen_at(now));
}

void PlainHttpProbe::finish(ProbeResult r) {
  if (completion_.finish(std::move(r))) release();
}

void PlainHttpProbe::conclude(ProbeResult r) {
  if (completion_.finished()) return;
  release();
  completion_.finish_now(std::move(r));
}

void PlainHttpProbe::release() {
  phase_ = Phase::finished;
  socket_.close();
}

}  // namespace tandem::checks

// TcpProbe: connect, optional send/expect, one deadline for the whole run.
#include "checks/probes/tcp_probe.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "checks/core/reasons.hpp"
#include "checks/probes/probe_socket.hpp"

namespace tandem::checks {

asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.bytes().begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(a.bytes().begin(), 16, b.begin());
  return asio::ip::address_v6(b);
}

asio::ip::tcp::endpoint to_asio(const Endpoint& e) { return {to_asio(e.address), e.port}; }

TcpProbe::TcpProbe(asio::io_context& io, std::shared_ptr<const CheckDefinition> d, const Endpoint& target)
    : poller_(asio::use_service<ConnectPoller>(io)),
      socket_(asio::use_service<SocketWatch>(io)),
      completion_(io),
      def_(std::move(d)),
      target_(to_asio(target)) {}

void TcpProbe::run(TimePoint now, ProbeDone done) {
  completion_.arm(std::move(done));
  deadline_at_ = now + def_->timeout;
  UniqueFd fd;
  if (auto failed = open_probe_socket(target_, def_->source_address, fd)) return finish(*std::move(failed));
  auto self = shared_from_this();
  connect_ticket_ = poller_.connect(std::move(fd), target_, now, deadline_at_,
                                    [self](std::error_code ec, UniqueFd s, TimePoint seen) { self->on_connect(ec, std::move(s), seen); });
}

void TcpProbe::cancel() {
  auto self = shared_from_this();  // the poller or the watch may hold the last other reference
  if (phase_ == Phase::connecting) poller_.cancel(connect_ticket_);
  finish(ProbeResult::failure("cancelled"));
}

void TcpProbe::on_connect(std::error_code ec, UniqueFd fd, TimePoint seen) {
  if (completion_.finished()) return;
  if (auto failed = connect_failure(ec, def_->timeout, seen)) return conclude(*std::move(failed));
  if (def_->send.empty() && def_->expect.empty()) {
    fd.reset();  // closed before the verdict: open descriptors never exceed the probes in flight
    return conclude(ProbeResult::success("connected").seen_at(seen));
  }
  socket_.attach(std::move(fd));
  phase_ = Phase::sending;
  send_rest(seen);
}

void TcpProbe::send_rest(TimePoint now) {
  const std::string& out = def_->send;
  while (sent_ < out.size()) {
    const ssize_t n = ::send(socket_.fd(), out.data() + sent_, out.size() - sent_, MSG_NOSIGNAL);
    if (n >= 0) {
      sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_for(EPOLLOUT, now);  // a full send buffer
    if (errno == ECONNRESET || errno == EPIPE) return conclude(ProbeResult::failure(reason::connection_reset()).seen_at(now));
    return conclude(ProbeResult::failure(reason::connect_failed(std::strerror(errno))).seen_at(now));
  }
  if (def_->expect.empty()) return conclude(ProbeResult::success("sent").seen_at(now));
  phase_ = Phase::reading;
  reply_.resize(def_->expect.size());  // never more than the prefix we compare
  wait_for(EPOLLIN | EPOLLRDHUP, now);
}

void TcpProbe::wait_for(std::uint32_t events, TimePoint now) {
  if (const auto ec = socket_.wait_for(events, deadline_at_, now, shared_from_this()))
    conclude(ProbeResult::failure(reason::connect_failed(ec.message())));
}

void TcpProbe::on_ready(std::uint32_t events, TimePoint now) {
  if (completion_.finished()) return;
  if (phase_ == Phase::sending) return send_rest(now);  // an error shows up as send()'s errno
  read_reply(events, now);
}

void TcpProbe::read_reply(std::uint32_t events, TimePoint now) {
  while (true) {
    const ssize_t n = ::recv(socket_.fd(), reply_.data() + filled_, reply_.size() - filled_, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == ECONNRESET) return conclude(ProbeResult::failure(reason::connection_reset()).seen_at(now));
      return conclude(ProbeResult::failure(reason::connect_failed(std::strerror(errno))).seen_at(now));
    }
    if (n == 0) return conclude(ProbeResult::failure(reason::closed_before_reply(filled_)).seen_at(now));
    filled_ += static_cast<std::size_t>(n);
    const std::string_view got(reply_.data(), filled_);
    if (got != std::string_view(def_->expect).substr(0, filled_))
      return conclude(ProbeResult::failure(reason::reply_mismatch(got, def_->expect)).seen_at(now));
    if (filled_ == def_->expect.size()) return conclude(ProbeResult::success("reply matched").seen_at(now));
    // Drained. A peer that sent FIN (and no reset) has nothing more to say.
    if ((events & (EPOLLERR | EPOLLHUP)) == 0) {
      if ((events & EPOLLRDHUP) != 0)
        return conclude(ProbeResult::failure(reason::closed_before_reply(filled_)).seen_at(now));
      return;  // the rest comes later
    }
    // An error or hang-up: the next recv() says which.
  }
}

void TcpProbe::on_deadline(TimePoint now) {
  socket_.deadline_passed();
  if (completion_.finished()) return;
  if (filled_ == 0) return conclude(ProbeResult::failure(reason::no_reply(def_->timeout)).seen_at(now));
  conclude(ProbeResult::failure(reason::reply_mismatch(std::string_view(reply_.data(), filled_), def_->expect))
               .seen_at(now));
}

void TcpProbe::finish(ProbeResult r) {
  if (completion_.finish(std::move(r))) release();
}

void TcpProbe::conclude(ProbeResult r) {
  if (completion_.finished()) return;
  release();
  completion_.finish_now(std::move(r));
}

void TcpProbe::release() {
  phase_ = Phase::finished;
  socket_.close();
}

}  // namespace tandem::checks

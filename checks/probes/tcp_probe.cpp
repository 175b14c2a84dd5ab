// TcpProbe: connect, optional send/expect, one deadline for the whole run.
#include "checks/probes/tcp_probe.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "checks/core/reasons.hpp"

namespace tandem::checks {

namespace sys = boost::system;

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
      socket_(io),
      deadline_(io),
      completion_(io),
      def_(std::move(d)),
      target_(to_asio(target)) {}

void TcpProbe::run(TimePoint now, ProbeDone done) {
  completion_.arm(std::move(done));
  deadline_at_ = now + def_->timeout;
  UniqueFd fd(::socket(target_.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return finish(ProbeResult::failure(reason::connect_failed(std::strerror(errno))));
  if (const auto& source = def_->source_address) {
    const asio::ip::tcp::endpoint local(to_asio(*source), 0);
    if (::bind(fd.get(), local.data(), static_cast<socklen_t>(local.size())) != 0)
      return finish(ProbeResult::failure(reason::source_bind_failed(*source, std::strerror(errno))));
  }
  auto self = shared_from_this();
  connect_ticket_ = poller_.connect(std::move(fd), target_, deadline_at_,
                                    [self](std::error_code ec, UniqueFd s, TimePoint seen) { self->on_connect(ec, std::move(s), seen); });
}

void TcpProbe::cancel() {
  auto self = shared_from_this();  // the poller may hold the last other reference
  if (phase_ == Phase::connecting) poller_.cancel(connect_ticket_);
  finish(ProbeResult::failure("cancelled"));
}

void TcpProbe::on_deadline(const sys::error_code& ec) {
  if (ec == asio::error::operation_aborted || completion_.finished()) return;
  if (filled_ == 0) return conclude(ProbeResult::failure(reason::no_reply(def_->timeout)));
  conclude(ProbeResult::failure(reason::reply_mismatch(std::string_view(reply_.data(), filled_), def_->expect)));
}

void TcpProbe::on_connect(std::error_code ec, UniqueFd fd, TimePoint seen) {
  if (completion_.finished()) return;
  if (ec == std::errc::connection_refused)
    return conclude(ProbeResult::failure(reason::connect_refused()).seen_at(seen));
  if (ec == std::errc::timed_out)
    return conclude(ProbeResult::failure(reason::connect_timeout(def_->timeout)).seen_at(seen));
  // The handshake completed but the peer reset before we looked (a listener
  // that closed with the connection still in its accept queue).
  if (ec == std::errc::connection_reset) return conclude(ProbeResult::failure(reason::connection_reset()));
  if (ec) return conclude(ProbeResult::failure(reason::connect_failed(ec.message())));
  if (def_->send.empty() && def_->expect.empty()) {
    fd.reset();  // closed before the verdict: open descriptors never exceed the probes in flight
    return conclude(ProbeResult::success("connected").seen_at(seen));
  }
  sys::error_code aec;
  socket_.assign(target_.protocol(), fd.release(), aec);
  if (aec) return conclude(ProbeResult::failure(reason::connect_failed(aec.message())));
  phase_ = Phase::sending;
  auto self = shared_from_this();
  deadline_.expires_at(deadline_at_);
  deadline_.async_wait([self](const sys::error_code& e) { self->on_deadline(e); });
  asio::async_write(socket_, asio::buffer(def_->send),
                    [self](const sys::error_code& e, std::size_t) { self->on_write(e); });
}

void TcpProbe::on_write(const sys::error_code& ec) {
  if (completion_.finished()) return;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return conclude(ProbeResult::failure(reason::connection_reset()));
  if (ec) return conclude(ProbeResult::failure(reason::connect_failed(ec.message())));
  if (def_->expect.empty()) return conclude(ProbeResult::success("sent"));
  phase_ = Phase::reading;
  reply_.resize(def_->expect.size());  // never more than the prefix we compare
  read_more();
}

void TcpProbe::read_more() {
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(reply_.data() + filled_, reply_.size() - filled_),
                          [self](const sys::error_code& e, std::size_t n) { self->on_read(e, n); });
}

void TcpProbe::on_read(const sys::error_code& ec, std::size_t n) {
  if (completion_.finished()) return;
  filled_ += n;
  const std::string_view got(reply_.data(), filled_);
  if (got != std::string_view(def_->expect).substr(0, filled_))
    return conclude(ProbeResult::failure(reason::reply_mismatch(got, def_->expect)));
  if (filled_ == def_->expect.size()) return conclude(ProbeResult::success("reply matched"));
  if (ec == asio::error::eof) return conclude(ProbeResult::failure(reason::closed_before_reply(filled_)));
  if (ec == asio::error::connection_reset)
    return conclude(ProbeResult::failure(reason::connection_reset()));
  if (ec) return conclude(ProbeResult::failure(reason::connect_failed(ec.message())));
  read_more();
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
  sys::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);  // aborts pending operations; their handlers see finished()
}

}  // namespace tandem::checks

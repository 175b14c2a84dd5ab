// TcpProbe: connect, optional send/expect, one deadline for the whole run.
#include "checks/probes/tcp_probe.hpp"

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
    : socket_(io),
      deadline_(io),
      completion_(io),
      def_(std::move(d)),
      target_(to_asio(target)) {}

void TcpProbe::start(ProbeDone done) {
  completion_.arm(std::move(done));
  sys::error_code ec;
  socket_.open(target_.protocol(), ec);
  if (ec) return finish(ProbeResult::failure(reason::connect_failed(ec.message())));
  if (const auto& source = def_->source_address) {
    socket_.bind({to_asio(*source), 0}, ec);
    if (ec) return finish(ProbeResult::failure(reason::source_bind_failed(*source, ec.message())));
  }
  auto self = shared_from_this();
  deadline_.expires_after(def_->timeout);
  deadline_.async_wait([self](const sys::error_code& e) { self->on_deadline(e); });
  socket_.async_connect(target_, [self](const sys::error_code& e) { self->on_connect(e); });
}

void TcpProbe::cancel() { finish(ProbeResult::failure("cancelled")); }

void TcpProbe::on_deadline(const sys::error_code& ec) {
  if (ec == asio::error::operation_aborted || completion_.finished()) return;
  switch (phase_) {
    case Phase::connecting: return finish(ProbeResult::failure(reason::connect_timeout(def_->timeout)));
    case Phase::sending:
    case Phase::reading:
      if (filled_ == 0) return finish(ProbeResult::failure(reason::no_reply(def_->timeout)));
      return finish(ProbeResult::failure(
          reason::reply_mismatch(std::string_view(reply_.data(), filled_), def_->expect)));
  }
}

void TcpProbe::on_connect(const sys::error_code& ec) {
  if (completion_.finished()) return;
  if (ec == asio::error::connection_refused)
    return finish(ProbeResult::failure(reason::connect_refused()));
  if (ec == asio::error::timed_out)
    return finish(ProbeResult::failure(reason::connect_timeout(def_->timeout)));
  if (ec) return finish(ProbeResult::failure(reason::connect_failed(ec.message())));
  if (def_->send.empty() && def_->expect.empty()) return finish(ProbeResult::success("connected"));
  phase_ = Phase::sending;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(def_->send),
                    [self](const sys::error_code& e, std::size_t) { self->on_write(e); });
}

void TcpProbe::on_write(const sys::error_code& ec) {
  if (completion_.finished()) return;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return finish(ProbeResult::failure(reason::connection_reset()));
  if (ec) return finish(ProbeResult::failure(reason::connect_failed(ec.message())));
  if (def_->expect.empty()) return finish(ProbeResult::success("sent"));
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
    return finish(ProbeResult::failure(reason::reply_mismatch(got, def_->expect)));
  if (filled_ == def_->expect.size()) return finish(ProbeResult::success("reply matched"));
  if (ec == asio::error::eof) return finish(ProbeResult::failure(reason::closed_before_reply(filled_)));
  if (ec == asio::error::connection_reset)
    return finish(ProbeResult::failure(reason::connection_reset()));
  if (ec) return finish(ProbeResult::failure(reason::connect_failed(ec.message())));
  read_more();
}

void TcpProbe::finish(ProbeResult r) {
  if (!completion_.finish(std::move(r))) return;
  sys::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);  // aborts pending operations; their handlers see finished()
}

}  // namespace tandem::checks

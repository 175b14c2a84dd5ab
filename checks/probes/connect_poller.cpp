// ConnectPoller: connect, watch, report; see connect_poller.hpp.
#include "checks/probes/connect_poller.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace tandem::checks {

asio::io_context::id ConnectPoller::id;

namespace {

// The connect's outcome once epoll reported the socket: only an error event
// needs SO_ERROR (a writable socket without one is connected).
std::error_code outcome(int fd, std::uint32_t events) {
  if ((events & (EPOLLERR | EPOLLHUP)) == 0) return {};
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return {};
  return {err, std::system_category()};
}

}  // namespace

ConnectPoller::ConnectPoller(asio::io_context& io)
    : asio::io_context::service(io),
      set_(io, [this](std::uint64_t ticket, std::uint32_t events, TimePoint seen) { on_event(ticket, events, seen); },
           [this](TimePoint due) { expire(due); }) {}

ConnectPoller::~ConnectPoller() = default;

void ConnectPoller::shutdown() {
  // Probes held by the callbacks die here and may call cancel(): move the
  // table out first so they find it empty.
  auto pending = std::move(pending_);
  pending_.clear();
  pending.clear();
  deadlines_ = {};
}

ConnectPoller::Ticket ConnectPoller::connect(UniqueFd fd, const asio::ip::tcp::endpoint& target,
                                             TimePoint deadline, Done done) {
  const Ticket ticket = next_ticket_++;
  Pending p{std::move(fd), std::move(done), false, {}};
  if (::connect(p.fd.get(), target.data(), static_cast<socklen_t>(target.size())) == 0) {
    // Connected at once (possible on loopback).
  } else if (errno != EINPROGRESS) {
    p.immediate = {errno, std::system_category()};
  } else if (auto ec = set_.add(p.fd.get(), EPOLLOUT | EPOLLONESHOT, ticket)) {
    p.immediate = ec;
  } else {
    p.watched = true;
  }
  if (p.watched) {
    deadlines_.emplace(deadline, ticket);
  } else {
    // Reported on the next turn of the loop, as promised.
    asio::post(get_io_context(), [this, ticket] {
      if (auto q = take(ticket)) {
        if (q->immediate) q->fd.reset();
        q->done(q->immediate, std::move(q->fd), TimePoint{});
      }
    });
  }
  pending_.emplace(ticket, std::move(p));
  return ticket;
}

std::optional<ConnectPoller::Pending> ConnectPoller::take(Ticket ticket) {
  auto node = pending_.extract(ticket);
  if (node.empty()) return std::nullopt;
  // EPOLLONESHOT has disabled the registration after its one report, and the
  // socket's close removes it: no epoll_ctl either way.
  if (node.mapped().watched) set_.forget();
  return std::move(node.mapped());
}

void ConnectPoller::cancel(Ticket ticket) {
  take(ticket);  // closing the socket takes it out of the epoll set
}

void ConnectPoller::on_event(Ticket ticket, std::uint32_t events, TimePoint seen) {
  auto p = take(ticket);
  if (!p) return;  // cancelled, or timed out, after epoll queued it
  const std::error_code ec = outcome(p->fd.get(), events);
  if (ec) p->fd.reset();
  p->done(ec, std::move(p->fd), seen);
}

void ConnectPoller::expire(TimePoint now) {
  while (!deadlines_.empty()) {
    const auto [at, ticket] = deadlines_.top();
    const bool pending = pending_.contains(ticket);
    if (pending && at > now) return;  // the earliest connect still in progress
    deadlines_.pop();
    if (!pending) continue;  // finished long ago
    auto p = take(ticket);
    p->fd.reset();
    p->done(std::make_error_code(std::errc::timed_out), UniqueFd(), now);
  }
}

}  // namespace tandem::checks

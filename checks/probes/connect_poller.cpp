// ConnectPoller: connect, watch, report; see connect_poller.hpp.
#include "checks/probes/connect_poller.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace tandem::checks {

asio::io_context::id ConnectPoller::id;

namespace {

// The connect's outcome once epoll or poll reported the socket: only an error
// event needs SO_ERROR (a writable socket without one is connected).
std::error_code outcome(int fd, bool error_event) {
  if (!error_event) return {};
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
           [this](TimePoint now) { on_look(now); }) {}

ConnectPoller::~ConnectPoller() = default;

void ConnectPoller::shutdown() {
  // Probes held by the callbacks die here and may call cancel(): move the
  // table out first so they find it empty.
  auto pending = std::move(pending_);
  pending_.clear();
  pending.clear();
  deadlines_ = {};
  fresh_.clear();
}

ConnectPoller::Ticket ConnectPoller::connect(UniqueFd fd, const asio::ip::tcp::endpoint& target, TimePoint now,
                                             TimePoint deadline, Done done) {
  const Ticket ticket = next_ticket_++;
  Pending p{std::move(fd), std::move(done), deadline, false, {}};
  bool in_progress = false;
  if (::connect(p.fd.get(), target.data(), static_cast<socklen_t>(target.size())) == 0) {
    // Connected at once (possible on loopback).
  } else if (errno == EINPROGRESS) {
    in_progress = true;
  } else {
    p.immediate = {errno, std::system_category()};
  }
  if (in_progress) {
    if (fresh_.empty()) set_.hold(now);
    fresh_.push_back(ticket);
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

void ConnectPoller::on_look(TimePoint now) {
  if (!fresh_.empty()) poll_fresh(now);
  expire(now);
}

void ConnectPoller::poll_fresh(TimePoint now) {
  // Callbacks below may start connects: they go to a new batch in fresh_.
  batch_.swap(fresh_);
  set_.release();
  fds_.clear();
  polled_.clear();
  for (const Ticket t : batch_) {
    auto it = pending_.find(t);
    if (it == pending_.end()) continue;  // cancelled or timed out
    fds_.push_back(pollfd{it->second.fd.get(), POLLOUT, 0});
    polled_.push_back(t);
  }
  batch_.clear();
  if (fds_.empty()) return;
  while (::poll(fds_.data(), fds_.size(), 0) < 0 && errno == EINTR) {
  }
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    const short r = fds_[i].revents;
    const Ticket t = polled_[i];
    if (r & (POLLERR | POLLHUP | POLLNVAL)) {
      finish(t, true, now);
    } else if (r & POLLOUT) {
      finish(t, false, now);
    } else if (auto it = pending_.find(t); it != pending_.end()) {
      // Still in progress (a far or blackholed server): epoll tells us the end.
      if (auto ec = set_.add(it->second.fd.get(), EPOLLOUT | EPOLLONESHOT, t, now)) {
        auto p = take(t);
        p->fd.reset();
        p->done(ec, UniqueFd(), now);
      } else {
        it->second.in_set = true;
        deadlines_.emplace(it->second.deadline, t);
      }
    }
  }
}

std::optional<ConnectPoller::Pending> ConnectPoller::take(Ticket ticket) {
  auto node = pending_.extract(ticket);
  if (node.empty()) return std::nullopt;
  // EPOLLONESHOT has disabled the registration after its one report, and the
  // socket's close removes it: no epoll_ctl either way.
  if (node.mapped().in_set) set_.forget();
  return std::move(node.mapped());
}

void ConnectPoller::cancel(Ticket ticket) {
  take(ticket);  // closing the socket takes it out of the epoll set
}

void ConnectPoller::on_event(Ticket ticket, std::uint32_t events, TimePoint seen) {
  finish(ticket, (events & (EPOLLERR | EPOLLHUP)) != 0, seen);
}

void ConnectPoller::finish(Ticket ticket, bool error_event, TimePoint seen) {
  auto p = take(ticket);
  if (!p) return;  // cancelled, or timed out, after epoll queued it
  const std::error_code ec = outcome(p->fd.get(), error_event);
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

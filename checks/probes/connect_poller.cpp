// ConnectPoller: connect, watch with a private epoll set, report; see
// connect_poller.hpp.
#include "checks/probes/connect_poller.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>

namespace tandem::checks {

namespace sys = boost::system;

asio::io_context::id ConnectPoller::id;

namespace {

int make_epoll_set() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "ConnectPoller: epoll_create1");
  return fd;
}

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
    : asio::io_context::service(io), epoll_(io, make_epoll_set()), timer_(io) {}

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
  std::error_code immediate;
  if (::connect(fd.get(), target.data(), static_cast<socklen_t>(target.size())) == 0) {
    // Connected at once (possible on loopback): reported on the next turn.
  } else if (errno != EINPROGRESS) {
    immediate = {errno, std::system_category()};
  } else {
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLONESHOT;  // one report; close() removes it from the set
    ev.data.u64 = ticket;
    if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd.get(), &ev) != 0) {
      immediate = {errno, std::system_category()};
    } else {
      pending_.emplace(ticket, Pending{std::move(fd), std::move(done), {}});
      deadlines_.emplace(deadline, ticket);
      if (deadline < armed_) arm(deadline);
      if (!waiting_) wait_ready();
      return ticket;
    }
  }
  if (immediate) fd.reset();
  pending_.emplace(ticket, Pending{std::move(fd), std::move(done), immediate});
  asio::post(get_io_context(), [this, ticket] {
    auto node = pending_.extract(ticket);
    if (node.empty()) return;  // cancelled meanwhile
    Pending p = std::move(node.mapped());
    p.done(p.immediate, std::move(p.fd));
  });
  return ticket;
}

void ConnectPoller::cancel(Ticket ticket) {
  // Closing the socket also takes it out of the epoll set.
  pending_.erase(ticket);
}

void ConnectPoller::wait_ready() {
  waiting_ = true;
  epoll_.async_wait(asio::posix::descriptor_base::wait_read, [this](const sys::error_code& ec) {
    waiting_ = false;
    if (!ec) on_ready();
  });
}

void ConnectPoller::on_ready() {
  // Asio watches the epoll set edge-triggered: wait again before draining, so
  // readiness that arrives during the drain wakes us once more.
  if (!pending_.empty()) wait_ready();
  constexpr int kBatch = 64;
  epoll_event events[kBatch];
  for (;;) {
    const int n = ::epoll_wait(epoll_.native_handle(), events, kBatch, 0);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; ++i) on_event(events[i].data.u64, events[i].events);
    if (n < kBatch) break;
  }
}

void ConnectPoller::on_event(Ticket ticket, std::uint32_t events) {
  auto node = pending_.extract(ticket);
  if (node.empty()) return;  // cancelled, or timed out, after epoll queued it
  Pending p = std::move(node.mapped());
  const std::error_code ec = outcome(p.fd.get(), events);
  if (ec) p.fd.reset();
  p.done(ec, std::move(p.fd));
}

void ConnectPoller::arm(TimePoint at) {
  armed_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this](const sys::error_code& ec) {
    if (ec != asio::error::operation_aborted) on_deadline();
  });
}

void ConnectPoller::on_deadline() {
  armed_ = TimePoint::max();
  const TimePoint now = Clock::now();
  while (!deadlines_.empty()) {
    const auto [at, ticket] = deadlines_.top();
    auto it = pending_.find(ticket);
    if (it != pending_.end() && at > now) {
      arm(at);  // the earliest connect still in progress
      return;
    }
    deadlines_.pop();
    if (it == pending_.end()) continue;  // finished long ago
    Pending p = std::move(it->second);
    pending_.erase(it);
    p.fd.reset();  // closing also takes it out of the epoll set
    p.done(std::make_error_code(std::errc::timed_out), UniqueFd());
  }
}

}  // namespace tandem::checks

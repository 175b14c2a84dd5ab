// SocketWatch: register, look, report, expire; see socket_watch.hpp.
#include "checks/probes/socket_watch.hpp"

#include <utility>

namespace tandem::checks {

asio::io_context::id SocketWatch::id;

SocketWatch::SocketWatch(asio::io_context& io)
    : asio::io_context::service(io),
      set_(io, [this](std::uint64_t ticket, std::uint32_t events, TimePoint now) { on_event(ticket, events, now); },
           [this](TimePoint now) { expire(now); }) {}

SocketWatch::~SocketWatch() = default;

void SocketWatch::shutdown() {
  // Watchers dying here may call end(): move the table out first so they find it empty.
  auto watched = std::move(watched_);
  watched_.clear();
  watched.clear();
  deadlines_ = {};
}

SocketWatch::Ticket SocketWatch::watch(int fd, std::uint32_t events, TimePoint deadline, TimePoint now,
                                       std::shared_ptr<SocketWatcher> watcher, std::error_code& ec) {
  const Ticket ticket = next_ticket_++;
  ec = set_.add(fd, events, ticket, now);
  if (ec) return 0;
  watched_.emplace(ticket, Watched{fd, std::move(watcher)});
  deadlines_.emplace(deadline, ticket);
  return ticket;
}

std::error_code SocketWatch::change(Ticket ticket, std::uint32_t events) {
  const auto it = watched_.find(ticket);
  if (it == watched_.end()) return std::make_error_code(std::errc::invalid_argument);
  return set_.modify(it->second.fd, events, ticket);
}

void SocketWatch::end(Ticket ticket) {
  if (watched_.erase(ticket) > 0) set_.forget();
}

void SocketWatch::on_event(Ticket ticket, std::uint32_t events, TimePoint now) {
  const auto it = watched_.find(ticket);
  if (it == watched_.end()) return;  // ended earlier in this batch
  // A copy: the watcher may end its watch (erasing the entry) from the call.
  const auto watcher = it->second.watcher;
  watcher->on_ready(events, now);
}

void SocketWatch::expire(TimePoint now) {
  while (!deadlines_.empty()) {
    const auto [at, ticket] = deadlines_.top();
    const auto it = watched_.find(ticket);
    if (it != watched_.end() && at > now) return;  // the earliest watch still running
    deadlines_.pop();
    if (it == watched_.end()) continue;  // ended long ago
    const auto watcher = std::move(it->second.watcher);
    end(ticket);
    watcher->on_deadline(now);
  }
}

std::error_code WatchedSocket::wait_for(std::uint32_t events, TimePoint deadline, TimePoint now,
                                        const std::shared_ptr<SocketWatcher>& watcher) {
  if (ticket_ != 0) return watch_.change(ticket_, events);
  std::error_code ec;
  ticket_ = watch_.watch(fd_.get(), events, deadline, now, watcher, ec);
  return ec;
}

void WatchedSocket::close() noexcept {
  if (ticket_ != 0) watch_.end(std::exchange(ticket_, 0));
  fd_.reset();  // closing removes it from the watch's epoll set
}

}  // namespace tandem::checks

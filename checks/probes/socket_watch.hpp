// SocketWatch: the connected sockets of one io_context's probes that wait to
// write or read, each until its deadline; the exchange after ConnectPoller's
// connect, for probes that talk to the server themselves (PlainHttpProbe).
//
// A socket costs one epoll_ctl to add; readiness and deadlines are looked at
// on the loop's 5 ms grid, with one epoll_wait shared by every socket ready
// within a step (EpollSet), and closing the socket ends its registration. An
// Asio socket would cost an ioctl, two epoll_ctl, a timer and a wake-up of
// its own per probe.
//
// One per io_context, as an Asio service: asio::use_service<SocketWatch>(io).
// Not thread-safe: use it from the thread that runs the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checks/core/clock.hpp"
#include "checks/probes/epoll_set.hpp"
#include "common/asio.hpp"
#include "common/unique_fd.hpp"

namespace tandem::checks {

// The owner of a watched socket. The watch keeps it alive while it watches.
class SocketWatcher {
 public:
  virtual ~SocketWatcher() = default;
  // The socket is ready: `events` as epoll reported them (level-triggered: a
  // socket still readable after this is reported again at the next look).
  virtual void on_ready(std::uint32_t events, TimePoint now) = 0;
  // The deadline passed at the look of `now`; the watch has ended.
  virtual void on_deadline(TimePoint now) = 0;
};

class SocketWatch final : public asio::io_context::service {
 public:
  using Ticket = std::uint64_t;

  static asio::io_context::id id;

  explicit SocketWatch(asio::io_context& io);
  ~SocketWatch() override;

  // Watches `fd` (the caller's, connected) for epoll `events` until
  // `deadline`. Returns the ticket, or 0 with `ec` set if the kernel refused.
  Ticket watch(int fd, std::uint32_t events, TimePoint deadline, TimePoint now,
               std::shared_ptr<SocketWatcher> watcher, std::error_code& ec);
  // Watches the same socket for other events.
  std::error_code change(Ticket ticket, std::uint32_t events);
  // Ends a watch; the caller closes the socket right after (closing removes
  // the registration: no epoll_ctl). Unknown or ended tickets are ignored.
  void end(Ticket ticket);

 private:
  struct Watched {
    int fd = -1;
    std::shared_ptr<SocketWatcher> watcher;
  };
  using Deadline = std::pair<TimePoint, Ticket>;

  void shutdown() override;
  void on_event(Ticket ticket, std::uint32_t events, TimePoint now);
  void expire(TimePoint now);

  EpollSet set_;
  Ticket next_ticket_ = 1;
  std::unordered_map<Ticket, Watched> watched_;
  // Earliest first; entries of watches ended since are dropped when they reach the top.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

// A probe's connected socket with its place in the SocketWatch: the first
// wait adds it, later ones change the events, and closing ends the watch
// before the descriptor is closed.
class WatchedSocket {
 public:
  explicit WatchedSocket(SocketWatch& watch) : watch_(watch) {}
  ~WatchedSocket() { close(); }
  WatchedSocket(const WatchedSocket&) = delete;
  WatchedSocket& operator=(const WatchedSocket&) = delete;

  void attach(UniqueFd fd) { fd_ = std::move(fd); }
  int fd() const noexcept { return fd_.get(); }
  // Waits for epoll `events` until `deadline`; `watcher` is told (and kept
  // alive until then).
  std::error_code wait_for(std::uint32_t events, TimePoint deadline, TimePoint now,
                           const std::shared_ptr<SocketWatcher>& watcher);
  // From SocketWatcher::on_deadline: the watch has already ended.
  void deadline_passed() noexcept { ticket_ = 0; }
  void close() noexcept;

 private:
  SocketWatch& watch_;
  UniqueFd fd_;
  SocketWatch::Ticket ticket_ = 0;
};

}  // namespace tandem::checks

// ConnectPoller: the non-blocking TCP connects of one io_context's probes.
//
// A connect is started at once (socket(SOCK_NONBLOCK), connect) and looked at
// on the loop's 5 ms grid (an EpollSet's looks): all connects started since
// the last look are asked together with one poll(); on a LAN or loopback the
// handshake is over by then, and the check costs socket, connect and close
// plus its share of that poll. A connect still in progress goes into the
// EpollSet (one epoll_ctl) until it ends or its deadline passes; deadlines
// are checked at the same looks. SO_ERROR is read only for a failed connect.
// Through asio::ip::tcp::socket::async_connect a check cost about nine system
// calls (ioctl, two epoll_ctl, poll, getsockopt, ...).
//
// One per io_context, as an Asio service: asio::use_service<ConnectPoller>(io).
// Not thread-safe: use it from the thread that runs the io_context.
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <optional>
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

class ConnectPoller final : public asio::io_context::service {
 public:
  // The connected socket on success; on failure the connect's error (from
  // SO_ERROR, or std::errc::timed_out at the deadline) and no socket. `seen`
  // is the time of the look that found the outcome (empty for a connect that
  // failed or succeeded inside connect()).
  using Done = std::function<void(std::error_code, UniqueFd, TimePoint seen)>;
  using Ticket = std::uint64_t;

  static asio::io_context::id id;

  explicit ConnectPoller(asio::io_context& io);
  ~ConnectPoller() override;

  // Connects `fd`, a non-blocking stream socket (bound to a source or not), to
  // `target`, starting at `now` and giving up at `deadline`. `done` runs
  // exactly once, from the loop and never inside connect(), unless
  // cancel(ticket) comes first.
  Ticket connect(UniqueFd fd, const asio::ip::tcp::endpoint& target, TimePoint now, TimePoint deadline,
                 Done done);
  // Closes the socket of a connect not yet reported; its `done` never runs.
  // Unknown or finished tickets are ignored.
  void cancel(Ticket ticket);

 private:
  struct Pending {
    UniqueFd fd;
    Done done;
    TimePoint deadline{};
    bool in_set = false;        // in the epoll set (a connect the first look found in progress)
    std::error_code immediate;  // connect() itself failed
  };
  using Deadline = std::pair<TimePoint, Ticket>;

  void shutdown() override;
  void on_event(Ticket ticket, std::uint32_t events, TimePoint seen);
  // At each look: the connects started since the last one, then deadlines.
  void on_look(TimePoint now);
  void poll_fresh(TimePoint now);
  // Reports a connect epoll or poll found finished.
  void finish(Ticket ticket, bool error_event, TimePoint seen);
  // Times out the connects whose deadline is at or before `now`.
  void expire(TimePoint now);
  // Takes the connect out of the table (and its socket out of the set).
  std::optional<Pending> take(Ticket ticket);

  EpollSet set_;
  Ticket next_ticket_ = 1;
  std::vector<Ticket> fresh_;  // started since the last look; the set is held while any
  // poll_fresh()'s working space, kept between looks (no allocations per look).
  std::vector<Ticket> batch_;
  std::vector<Ticket> polled_;
  std::vector<pollfd> fds_;
  std::unordered_map<Ticket, Pending> pending_;
  // Connects in the epoll set, earliest deadline first (fresh ones are at
  // most one look old). Entries of connects that finished since are dropped
  // when they reach the top.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace tandem::checks

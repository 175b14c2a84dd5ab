// ConnectPoller: the non-blocking TCP connects of one io_context's probes,
// watched in a private EpollSet (see epoll_set.hpp for why not Asio's), whose
// looks on the 5 ms grid also expire deadlines (no timer of its own).
//
// A connect costs socket (non-blocking from birth), connect, one epoll_ctl
// and close, plus a share of the wake-ups; SO_ERROR is read only when epoll
// reports an error. Through asio::ip::tcp::socket::async_connect it cost about
// nine system calls (ioctl, two epoll_ctl, poll, getsockopt, ...).
//
// One per io_context, as an Asio service: asio::use_service<ConnectPoller>(io).
// Not thread-safe: use it from the thread that runs the io_context.
#pragma once

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
  // is the grid time of the look that found the outcome (empty for a connect
  // that failed or succeeded inside connect()).
  using Done = std::function<void(std::error_code, UniqueFd, TimePoint seen)>;
  using Ticket = std::uint64_t;

  static asio::io_context::id id;

  explicit ConnectPoller(asio::io_context& io);
  ~ConnectPoller() override;

  // Connects `fd`, a non-blocking stream socket (bound to a source or not), to
  // `target`. `done` runs exactly once, from the loop and never inside
  // connect(), unless cancel(ticket) comes first.
  Ticket connect(UniqueFd fd, const asio::ip::tcp::endpoint& target, TimePoint deadline, Done done);
  // Closes the socket of a connect not yet reported; its `done` never runs.
  // Unknown or finished tickets are ignored.
  void cancel(Ticket ticket);

  std::size_t in_progress() const noexcept { return pending_.size(); }

 private:
  struct Pending {
    UniqueFd fd;
    Done done;
    bool watched = false;       // in the epoll set (else reported on the next turn)
    std::error_code immediate;  // connect() itself failed
  };
  using Deadline = std::pair<TimePoint, Ticket>;

  void shutdown() override;
  void on_event(Ticket ticket, std::uint32_t events, TimePoint seen);
  // Times out the connects whose deadline is at or before `now`.
  void expire(TimePoint now);
  // Takes the connect out of the table (and its socket out of the set).
  std::optional<Pending> take(Ticket ticket);

  EpollSet set_;
  Ticket next_ticket_ = 1;
  std::unordered_map<Ticket, Pending> pending_;
  // Earliest first. Entries of connects that already finished are dropped
  // when they reach the top.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace tandem::checks

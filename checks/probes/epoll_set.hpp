// EpollSet: a private epoll set for probe sockets, looked at on the loop's
// 5 ms grid (kLoopQuantum) while it holds any socket or its owner has work
// for the next look.
//
// Why not Asio's own reactor: Asio sets non-blocking mode with its own ioctl,
// registers each descriptor for reading and then again for writing, re-checks
// readiness with poll, and wakes the loop once per ready socket (plus an
// epoll_ctl to re-arm). Here a socket costs one epoll_ctl to add (and one per
// change of interest; closing removes it), and every socket that became ready
// within a grid step costs one shared epoll_wait, at the wake-up that also
// starts the checks due then. A verdict comes up to one grid step later,
// which a health check with second-scale intervals does not notice. System
// calls are most of what a check costs, and inside user-mode-linux each one
// costs about 26 us.
//
// Not thread-safe: use it from the thread that runs the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <system_error>

#include "checks/core/clock.hpp"
#include "common/asio.hpp"
#include "common/unique_fd.hpp"

namespace tandem::checks {

class EpollSet {
 public:
  // Called from the loop for each ready registration, with the key it was
  // added with, the epoll events and the time of the look (read once per
  // look). It may add, modify and close descriptors, including others ready
  // in the same batch.
  using OnEvent = std::function<void(std::uint64_t key, std::uint32_t events, TimePoint now)>;
  // Called at each look, after the set's events, with the same time (the
  // owner's deadlines are checked here, so an answer that is already in
  // wins over a deadline passed at the same look).
  using OnLook = std::function<void(TimePoint now)>;

  // Throws std::system_error if the kernel refuses an epoll set (startup).
  EpollSet(asio::io_context& io, OnEvent on_event, OnLook on_look = {});
  EpollSet(const EpollSet&) = delete;
  EpollSet& operator=(const EpollSet&) = delete;

  // `now`, if the caller knows it, saves a clock read when the set was idle
  // (it decides the grid point of the next look).
  std::error_code add(int fd, std::uint32_t events, std::uint64_t key, TimePoint now = {});
  std::error_code modify(int fd, std::uint32_t events, std::uint64_t key);
  // Removes a descriptor that stays open; one that is about to be closed
  // needs only forget().
  std::error_code remove(int fd);
  // Tells the set that a registered descriptor was closed (the kernel drops
  // the registration itself).
  void forget() noexcept;
  // The owner has work for the looks (OnLook) until it calls release().
  void hold(TimePoint now = {});
  void release() noexcept;
  // Once nothing is registered or held the set stops looking, so an idle loop
  // sleeps and io_context::run() can return.

 private:
  void wake(TimePoint now);
  void look_at(TimePoint due);
  void look();

  UniqueFd set_;
  asio::steady_timer timer_;
  OnEvent on_event_;
  OnLook on_look_;
  std::size_t registered_ = 0;
  std::size_t holds_ = 0;
  bool looking_ = false;  // the timer is armed, or a look is in progress
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a wait aborted by our destruction finds it expired
};

}  // namespace tandem::checks

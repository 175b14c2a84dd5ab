// EpollSet: a private epoll set that the Asio loop watches as one descriptor.
//
// The probes' sockets go here instead of into Asio's own set because Asio
// spends system calls a health check does not need: it sets non-blocking
// mode with its own ioctl, registers each descriptor for reading, then
// modifies the registration for writing, and re-checks readiness with poll.
// With this set a socket costs one epoll_ctl to add (and one per change of
// interest); closing a socket removes it without a call. What is left is
// shared: one epoll_wait on the set and one re-arm of Asio's wait per wake-up.
// System calls are most of a check's cost (inside user-mode-linux each costs
// about 26 us).
//
// Not thread-safe: use it from the thread that runs the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <system_error>

#include "common/asio.hpp"

namespace tandem::checks {

class EpollSet {
 public:
  // Called from the loop for each ready registration, with the key it was
  // added with and the epoll events. It may add, modify and close
  // descriptors, including others that are ready in the same batch.
  using OnEvent = std::function<void(std::uint64_t key, std::uint32_t events)>;

  // Throws std::system_error if the kernel refuses an epoll set (startup).
  EpollSet(asio::io_context& io, OnEvent on_event);
  EpollSet(const EpollSet&) = delete;
  EpollSet& operator=(const EpollSet&) = delete;

  std::error_code add(int fd, std::uint32_t events, std::uint64_t key);
  std::error_code modify(int fd, std::uint32_t events, std::uint64_t key);
  // Removes a descriptor that stays open; one that is about to be closed
  // needs only forget().
  std::error_code remove(int fd);
  // Tells the set that a registered descriptor was closed (the kernel drops
  // the registration itself): once none is left the loop stops waiting, so
  // io_context::run() can return.
  void forget() noexcept;

  std::size_t registered() const noexcept { return registered_; }

 private:
  void wait();
  void on_ready();

  asio::posix::stream_descriptor set_;  // owns the epoll descriptor
  OnEvent on_event_;
  std::size_t registered_ = 0;
  bool waiting_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a wait aborted by our destruction finds it expired
};

}  // namespace tandem::checks

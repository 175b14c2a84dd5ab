// EpollSet: register, wait through Asio, drain; see epoll_set.hpp.
#include "checks/probes/epoll_set.hpp"

#include <sys/epoll.h>

#include <cerrno>

namespace tandem::checks {

namespace {

int make_epoll_set() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1 for the probes' sockets");
  return fd;
}

std::error_code control(int set, int op, int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(set, op, fd, &ev) != 0) return {errno, std::system_category()};
  return {};
}

}  // namespace

EpollSet::EpollSet(asio::io_context& io, OnEvent on_event)
    : set_(io, make_epoll_set()), on_event_(std::move(on_event)) {}

std::error_code EpollSet::add(int fd, std::uint32_t events, std::uint64_t key) {
  if (auto ec = control(set_.native_handle(), EPOLL_CTL_ADD, fd, events, key)) return ec;
  ++registered_;
  if (!waiting_) wait();
  return {};
}

std::error_code EpollSet::modify(int fd, std::uint32_t events, std::uint64_t key) {
  return control(set_.native_handle(), EPOLL_CTL_MOD, fd, events, key);
}

std::error_code EpollSet::remove(int fd) {
  if (auto ec = control(set_.native_handle(), EPOLL_CTL_DEL, fd, 0, 0)) return ec;
  forget();
  return {};
}

void EpollSet::forget() noexcept {
  if (registered_ > 0) --registered_;
}

void EpollSet::wait() {
  waiting_ = true;
  std::weak_ptr<int> alive = alive_;
  set_.async_wait(asio::posix::descriptor_base::wait_read, [this, alive](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    waiting_ = false;
    if (!ec) on_ready();
  });
}

void EpollSet::on_ready() {
  // Asio watches the set edge-triggered: wait again before draining, so
  // readiness that arrives during the drain wakes the loop once more.
  if (registered_ > 0) wait();
  constexpr int kBatch = 64;
  epoll_event events[kBatch];
  for (;;) {
    const int n = ::epoll_wait(set_.native_handle(), events, kBatch, 0);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; ++i) on_event_(events[i].data.u64, events[i].events);
    if (n < kBatch) break;
  }
}

}  // namespace tandem::checks

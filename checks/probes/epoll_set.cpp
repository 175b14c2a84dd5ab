// EpollSet: register, look on the grid, dispatch; see epoll_set.hpp.
#include "checks/probes/epoll_set.hpp"

#include <sys/epoll.h>

#include <cerrno>

#include "checks/core/schedule.hpp"

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

EpollSet::EpollSet(asio::io_context& io, OnEvent on_event, OnLook on_look)
    : set_(make_epoll_set()), timer_(io), on_event_(std::move(on_event)), on_look_(std::move(on_look)) {}

std::error_code EpollSet::add(int fd, std::uint32_t events, std::uint64_t key, TimePoint now) {
  if (auto ec = control(set_.get(), EPOLL_CTL_ADD, fd, events, key)) return ec;
  ++registered_;
  wake(now);
  return {};
}

std::error_code EpollSet::modify(int fd, std::uint32_t events, std::uint64_t key) {
  return control(set_.get(), EPOLL_CTL_MOD, fd, events, key);
}

std::error_code EpollSet::remove(int fd) {
  // Counted out even if the kernel had no registration left (a descriptor
  // closed meanwhile): a count that never drops keeps the set looking.
  const auto ec = control(set_.get(), EPOLL_CTL_DEL, fd, 0, 0);
  forget();
  return ec;
}

void EpollSet::forget() noexcept {
  if (registered_ > 0) --registered_;
}

void EpollSet::hold(TimePoint now) {
  ++holds_;
  wake(now);
}

void EpollSet::release() noexcept {
  if (holds_ > 0) --holds_;
}

void EpollSet::wake(TimePoint now) {
  // Idle until now: the next grid point (while looking, the next look is set).
  if (!looking_) look_at(quantize(now != TimePoint{} ? now : Clock::now(), kLoopQuantum));
}

void EpollSet::look_at(TimePoint due) {
  looking_ = true;
  timer_.expires_at(due);
  std::weak_ptr<int> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    looking_ = false;
    if (!ec) look();
  });
}

void EpollSet::look() {
  // One clock read per look. (Chaining grid times without it let them fall
  // seconds behind a loop that ran late, and deadlines with them.)
  const TimePoint now = Clock::now();
  looking_ = true;  // callbacks that add sockets must not arm the timer
  constexpr int kBatch = 64;
  epoll_event events[kBatch];
  while (registered_ > 0) {
    const int n = ::epoll_wait(set_.get(), events, kBatch, 0);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; ++i) on_event_(events[i].data.u64, events[i].events, now);
    if (n < kBatch) break;
  }
  // After the events: a socket whose answer is here when its deadline is
  // looked at gets the answer, not the timeout.
  if (on_look_) on_look_(now);
  looking_ = false;
  if (registered_ + holds_ > 0) look_at(quantize(now + std::chrono::microseconds(1), kLoopQuantum));
}

}  // namespace tandem::checks

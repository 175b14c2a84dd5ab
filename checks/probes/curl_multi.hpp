// CurlMulti: libcurl's multi interface driven by an Asio io_context.
// curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
// call it back on a timer (CURLMOPT_TIMERFUNCTION); the loop waits for
// readiness and we hand the event back with curl_multi_socket_action. No
// thread per transfer and no curl_multi_perform polling loop.
//
// curl's sockets are watched in a private EpollSet (level-triggered, as curl
// expects), not as Asio descriptors, which cost an ioctl and two more
// epoll_ctl per socket (see epoll_set.hpp). curl's "call me now" (timeout 0,
// once per new transfer) is a posted handler, not a timer re-arm, and a
// timer already due earlier than curl asks is left alone: calling curl early
// is harmless, re-arming costs a clock read and often a timerfd_settime.
//
// Every call into libcurl runs with the clock frozen (clock_freeze.hpp):
// libcurl reads it ~50 times per transfer, a system call each where there is
// no vDSO. A socket curl stops watching leaves the epoll set only if it is
// still open when the call into curl returns: curl closes it first whenever
// it does not keep the connection, and closing removes it for free.
//
// Easy handles are pooled over in-flight transfers (acquire/release) rather
// than kept per real server, so memory follows concurrency, not server count.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "checks/core/clock.hpp"
#include "checks/probes/clock_freeze.hpp"
#include "checks/probes/epoll_set.hpp"
#include "common/asio.hpp"

namespace tandem::checks {

class CurlMulti {
 public:
  // Calls curl_global_init (reference counted by libcurl). Throws
  // std::runtime_error if libcurl cannot be initialised (startup only).
  explicit CurlMulti(asio::io_context& io, std::size_t max_pooled_handles = 256);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // An easy handle with default options, from the pool when one is free.
  // Returns nullptr only if libcurl cannot allocate one.
  CURL* acquire();
  // Returns a handle that is not in a transfer to the pool (reset), or frees it
  // when the pool is full.
  void release(CURL* easy);

  // How a transfer ended: curl's result, and whether its connection was
  // established. curl waits only for writability while its TCP connect is in
  // progress, so a transfer that ever waited to read had connected. (curl's
  // CONNECT_TIME cannot tell: a connect that completes inside the call that
  // started it took no time on the frozen clock.)
  struct Outcome {
    CURLcode result = CURLE_OK;
    bool connected = false;
  };
  using OnDone = std::function<void(const Outcome&)>;

  // Starts the transfer configured on `easy` at `now` (the caller's reading
  // of the clock). `on_done` runs once, from the loop and outside any libcurl
  // call, with the outcome; the handle is already removed from the multi
  // then. Returns curl's error if it refuses the handle (on_done is not
  // called then).
  CURLMcode add(CURL* easy, TimePoint now, OnDone on_done);
  // Stops a transfer without calling its on_done. Must not be called from a
  // libcurl callback. Unknown handles are ignored.
  void remove(CURL* easy);

  std::size_t in_flight() const noexcept { return transfers_.size(); }
  // Expires when the CurlMulti is destroyed: a probe that outlives it (held by
  // a handler the io_context destroys later) must not call back into it.
  std::weak_ptr<int> lifetime() const noexcept { return alive_; }
  std::size_t pooled() const noexcept { return pool_.size(); }

 private:
  // What curl asked us to watch on one socket. Keys carry a generation in
  // their upper half: descriptor numbers are reused, and an event queued for
  // a closed socket must not reach its successor.
  struct Watch {
    std::uint64_t key = 0;
    std::uint32_t events = 0;
  };
  struct Transfer {
    OnDone on_done;
    bool awaited_input = false;
  };
  static int socket_callback(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int close_socket(void* clientp, curl_socket_t s);
  static int timer_callback(CURLM* multi, long timeout_ms, void* userp);
  void watch(CURL* easy, curl_socket_t s, int what);
  // Open around every call into libcurl: freezes the clock for the call (at
  // `now` where the caller knows the time) and, when it ends, takes the
  // sockets curl stopped watching but kept open out of the epoll set.
  class CurlCall {
   public:
    explicit CurlCall(CurlMulti& m) noexcept : multi_(m) {}
    CurlCall(CurlMulti& m, TimePoint now) noexcept : multi_(m), still_(now) {}
    ~CurlCall() { multi_.settle_unwatched(); }
    CurlCall(const CurlCall&) = delete;
    CurlCall& operator=(const CurlCall&) = delete;

   private:
    CurlMulti& multi_;
    ClockFreeze still_;
  };
  // curl_multi_socket_action inside a CurlCall frozen at `now`, then the
  // finished transfers.
  void act(curl_socket_t s, int flags, TimePoint now);
  // Whether `s` was waiting for settle_unwatched() (and is no longer).
  bool take_unwatched(curl_socket_t s);
  void settle_unwatched();
  void on_event(std::uint64_t key, std::uint32_t events, TimePoint now);
  void deliver_finished(TimePoint now);

  asio::io_context& io_;
  CURLM* multi_;
  EpollSet set_;
  asio::steady_timer timer_;
  TimePoint timer_at_ = TimePoint::max();  // when timer_ expires; max: not armed
  bool kick_posted_ = false;               // a "timeout 0" call is already queued
  std::size_t max_pooled_;
  std::uint32_t next_generation_ = 1;
  std::unordered_map<curl_socket_t, Watch> watches_;
  std::vector<curl_socket_t> unwatched_;  // unwatched by curl in this call, still in the set
  std::unordered_map<CURL*, Transfer> transfers_;
  std::vector<CURL*> pool_;
  std::shared_ptr<int> alive_;  // handlers hold a weak_ptr: no use after destruction
};

}  // namespace tandem::checks

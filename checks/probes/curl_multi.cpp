// CurlMulti: the libcurl multi_socket protocol on Asio; see curl_multi.hpp.
#include "checks/probes/curl_multi.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace tandem::checks {

namespace sys = boost::system;

CurlMulti::CurlMulti(asio::io_context& io, std::size_t max_pooled_handles)
    : io_(io),
      multi_(nullptr),
      set_(io, [this](std::uint64_t key, std::uint32_t events, TimePoint now) { on_event(key, events, now); }),
      timer_(io),
      max_pooled_(max_pooled_handles),
      alive_(std::make_shared<int>(0)) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw std::runtime_error("curl_global_init failed");
  multi_ = curl_multi_init();
  if (multi_ == nullptr) {
    curl_global_cleanup();
    throw std::runtime_error("curl_multi_init failed");
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::socket_callback);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::timer_callback);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  alive_.reset();
  // Probes owned only by their transfer die here and hand their handles back
  // through release(), so the pool is freed last.
  auto transfers = std::move(transfers_);
  transfers_.clear();
  for (auto& [easy, transfer] : transfers) {
    CurlCall call(*this);
    curl_multi_remove_handle(multi_, easy);
    // The probe may clean the handle up after we are gone: no callback into us then.
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, nullptr);
  }
  transfers.clear();
  watches_.clear();  // curl closes its sockets; the epoll set goes with set_
  unwatched_.clear();
  for (CURL* easy : pool_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
  curl_global_cleanup();
}

CURL* CurlMulti::acquire() {
  if (!pool_.empty()) {
    CURL* easy = pool_.back();
    pool_.pop_back();
    return easy;
  }
  return curl_easy_init();
}

void CurlMulti::release(CURL* easy) {
  if (easy == nullptr) return;
  if (pool_.size() >= max_pooled_) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  pool_.push_back(easy);
}

CURLMcode CurlMulti::add(CURL* easy, TimePoint now, OnDone on_done) {
  // curl closes sockets through us, so a socket closed without a
  // CURL_POLL_REMOVE first cannot stay in watches_ (and keep the set looking,
  // and the loop from ever running out of work).
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMulti::close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  // Known before curl can call us about it.
  transfers_[easy] = Transfer{std::move(on_done)};
  CurlCall call(*this, now);
  const CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) transfers_.erase(easy);
  return rc;
}

void CurlMulti::remove(CURL* easy) {
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) return;
  // Remove from curl first: the callback may own the handle's owner, which
  // releases the handle when it is destroyed below.
  {
    CurlCall call(*this);
    curl_multi_remove_handle(multi_, easy);  // may call socket_callback(REMOVE)
  }
  auto transfer = std::move(it->second);
  transfers_.erase(it);
}

int CurlMulti::close_socket(void* clientp, curl_socket_t s) {
  auto* self = static_cast<CurlMulti*>(clientp);
  // Closing drops the epoll registration: only the count needs telling.
  if (self->watches_.erase(s) > 0 || self->take_unwatched(s)) self->set_.forget();
  return ::close(s);
}

int CurlMulti::socket_callback(CURL* easy, curl_socket_t s, int what, void* userp, void*) {
  static_cast<CurlMulti*>(userp)->watch(easy, s, what);
  return 0;
}

void CurlMulti::watch(CURL* easy, curl_socket_t s, int what) {
  if (what & CURL_POLL_IN) {
    auto t = transfers_.find(easy);
    if (t != transfers_.end()) t->second.awaited_input = true;
  }
  if (what == CURL_POLL_REMOVE) {
    // curl usually closes the socket next, in the same call (always without
    // connection reuse), and closing drops its registration for free; one
    // still open when the call returns leaves the set then (settle_unwatched).
    if (watches_.erase(s) > 0) unwatched_.push_back(s);
    return;
  }
  std::uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  auto [it, added] = watches_.try_emplace(s);
  Watch& w = it->second;
  if (added) {
    w.key = (std::uint64_t{next_generation_++} << 32) | static_cast<std::uint32_t>(s);
    w.events = events;
    // Watched again before it was closed: it never left the set. Unless curl
    // closed it without telling us (7.88 does for the connection of a
    // transfer that timed out or was removed mid-way) and this is a new
    // socket with the same number: the kernel then knows no registration.
    std::error_code ec;
    bool registered = take_unwatched(s);
    if (registered) {
      ec = set_.modify(s, events, w.key);
      if (ec == std::errc::no_such_file_or_directory) {
        set_.forget();
        registered = false;
      }
    }
    if (!registered) ec = set_.add(s, events, w.key);
    // If the set refuses the socket, curl's own timeout ends the transfer.
    if (ec) {
      watches_.erase(it);
      if (registered) set_.remove(s);
    }
    return;
  }
  if (w.events == events) return;
  w.events = events;
  set_.modify(s, events, w.key);
}

void CurlMulti::on_event(std::uint64_t key, std::uint32_t events, TimePoint now) {
  const auto s = static_cast<curl_socket_t>(key & 0xffffffffu);
  auto it = watches_.find(s);
  if (it == watches_.end() || it->second.key != key) return;  // closed since, or a successor
  int flags = 0;
  if (events & EPOLLIN) flags |= CURL_CSELECT_IN;
  if (events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
  if (events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
  act(s, flags, now);
}

int CurlMulti::timer_callback(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  // Never call back into curl from here: always go through the loop.
  if (timeout_ms < 0) {
    self->timer_.cancel();
    self->timer_at_ = TimePoint::max();
    return 0;
  }
  std::weak_ptr<int> alive = self->alive_;
  if (timeout_ms == 0) {
    if (!self->kick_posted_) {
      self->kick_posted_ = true;
      // Called from inside libcurl: the clock is frozen, reading it is free.
      asio::post(self->io_, [self, alive, asked = Clock::now()] {
        if (alive.expired()) return;
        self->kick_posted_ = false;
        self->act(CURL_SOCKET_TIMEOUT, 0, asked);
      });
    }
    return 0;
  }
  const TimePoint at = Clock::now() + std::chrono::milliseconds(timeout_ms);  // frozen, as above
  if (at >= self->timer_at_) return 0;  // already due earlier; curl asks again then
  self->timer_at_ = at;
  self->timer_.expires_at(at);
  self->timer_.async_wait([self, alive, at](const sys::error_code& ec) {
    if (alive.expired() || ec == asio::error::operation_aborted) return;
    self->timer_at_ = TimePoint::max();
    self->act(CURL_SOCKET_TIMEOUT, 0, at);  // the timer expired at `at` (or just after)
  });
  return 0;
}

void CurlMulti::act(curl_socket_t s, int flags, TimePoint now) {
  {
    CurlCall call(*this, now);
    int running = 0;
    curl_multi_socket_action(multi_, s, flags, &running);
  }
  deliver_finished(now);
}

bool CurlMulti::take_unwatched(curl_socket_t s) {
  auto it = std::find(unwatched_.begin(), unwatched_.end(), s);
  if (it == unwatched_.end()) return false;
  *it = unwatched_.back();
  unwatched_.pop_back();
  return true;
}

void CurlMulti::settle_unwatched() {
  // A socket curl closed without telling us (see watch()) fails with EBADF:
  // its registration went with it, and remove() counts it out all the same.
  for (curl_socket_t s : unwatched_) set_.remove(s);
  unwatched_.clear();
}

void CurlMulti::deliver_finished(TimePoint now) {
  for (;;) {
    Transfer transfer;
    Outcome outcome;
    {
      CurlCall call(*this, now);
      int queued = 0;
      CURLMsg* msg = curl_multi_info_read(multi_, &queued);
      if (msg == nullptr) return;
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      outcome.result = msg->data.result;
      auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      transfer = std::move(it->second);
      transfers_.erase(it);
      curl_multi_remove_handle(multi_, easy);
    }
    outcome.connected = transfer.awaited_input;
    try {
      if (transfer.on_done) transfer.on_done(outcome);
    } catch (...) {
      // One transfer's owner must not break the others or the loop.
    }
  }
}

}  // namespace tandem::checks

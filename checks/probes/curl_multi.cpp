// CurlMulti: the libcurl multi_socket protocol on Asio; see curl_multi.hpp.
#include "checks/probes/curl_multi.hpp"

#include <stdexcept>

namespace tandem::checks {

namespace sys = boost::system;

// One socket curl asked us to watch. The descriptor never owns the fd: curl
// opened it and curl closes it, so we release() it before curl does (the
// socket callback with CURL_POLL_REMOVE comes before the close).
struct CurlMulti::Watch {
  explicit Watch(asio::io_context& io) : descriptor(io) {}
  asio::posix::stream_descriptor descriptor;
  std::uint64_t generation = 0;  // fds are reused; stale completions compare this
  int what = CURL_POLL_NONE;     // what curl wants now
  bool read_armed = false;
  bool write_armed = false;
};

CurlMulti::CurlMulti(asio::io_context& io, std::size_t max_pooled_handles)
    : io_(io), multi_(nullptr), timer_(io), max_pooled_(max_pooled_handles),
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
  for (auto& [easy, done] : transfers) curl_multi_remove_handle(multi_, easy);
  transfers.clear();
  for (auto& [fd, w] : watches_) w->descriptor.release();
  watches_.clear();
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

CURLMcode CurlMulti::add(CURL* easy, std::function<void(CURLcode)> on_done) {
  const CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc == CURLM_OK) transfers_[easy] = std::move(on_done);
  return rc;
}

void CurlMulti::remove(CURL* easy) {
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) return;
  // Remove from curl first: the callback may own the handle's owner, which
  // releases the handle when it is destroyed below.
  curl_multi_remove_handle(multi_, easy);  // may call socket_callback(REMOVE)
  auto done = std::move(it->second);
  transfers_.erase(it);
}

int CurlMulti::socket_callback(CURL*, curl_socket_t s, int what, void* userp, void*) {
  static_cast<CurlMulti*>(userp)->watch(s, what);
  return 0;
}

void CurlMulti::watch(curl_socket_t s, int what) {
  if (what == CURL_POLL_REMOVE) {
    auto it = watches_.find(s);
    if (it == watches_.end()) return;
    it->second->descriptor.release();  // deregisters from epoll, cancels waits
    watches_.erase(it);
    return;
  }
  auto& slot = watches_[s];
  if (!slot) {
    slot = std::make_unique<Watch>(io_);
    slot->generation = next_generation_++;
    sys::error_code ec;
    slot->descriptor.assign(s, ec);
    if (ec) {
      // Cannot watch it: curl's own timeout will end the transfer.
      watches_.erase(s);
      return;
    }
  }
  slot->what = what;
  arm(s, *slot);
}

void CurlMulti::arm(curl_socket_t s, Watch& w) {
  const std::uint64_t gen = w.generation;
  std::weak_ptr<int> alive = alive_;
  if ((w.what & CURL_POLL_IN) && !w.read_armed) {
    w.read_armed = true;
    w.descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                            [this, alive, s, gen](const sys::error_code& ec) {
                              if (alive.expired() || ec == asio::error::operation_aborted) return;
                              on_ready(s, gen, CURL_CSELECT_IN);
                            });
  }
  if ((w.what & CURL_POLL_OUT) && !w.write_armed) {
    w.write_armed = true;
    w.descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                            [this, alive, s, gen](const sys::error_code& ec) {
                              if (alive.expired() || ec == asio::error::operation_aborted) return;
                              on_ready(s, gen, CURL_CSELECT_OUT);
                            });
  }
}

void CurlMulti::on_ready(curl_socket_t s, std::uint64_t generation, int direction) {
  {
    auto it = watches_.find(s);
    if (it == watches_.end() || it->second->generation != generation) return;
    Watch& w = *it->second;
    (direction == CURL_CSELECT_IN ? w.read_armed : w.write_armed) = false;
    const int wanted = direction == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
    if ((w.what & wanted) == 0) return;  // curl changed its mind meanwhile
  }
  int running = 0;
  curl_multi_socket_action(multi_, s, direction, &running);
  // curl may have removed or replaced the watch inside socket_action.
  auto it = watches_.find(s);
  if (it != watches_.end() && it->second->generation == generation) arm(s, *it->second);
  deliver_finished();
}

int CurlMulti::timer_callback(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  if (timeout_ms < 0) {
    self->timer_.cancel();
    return 0;
  }
  // Never call back into curl from here: always go through the loop.
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  std::weak_ptr<int> alive = self->alive_;
  self->timer_.async_wait([self, alive](const sys::error_code& ec) {
    if (alive.expired() || ec == asio::error::operation_aborted) return;
    self->on_timer();
  });
  return 0;
}

void CurlMulti::on_timer() {
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  deliver_finished();
}

void CurlMulti::deliver_finished() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    auto done = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    try {
      if (done) done(result);
    } catch (...) {
      // One transfer's owner must not break the others or the loop.
    }
  }
}

}  // namespace tandem::checks

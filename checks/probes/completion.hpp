// ProbeCompletion: the "exactly once, on the loop, no exception escapes" part of
// the Probe contract, written once for every probe type.
#pragma once

#include <utility>

#include "checks/probes/probe.hpp"
#include "common/asio.hpp"

namespace tandem::checks {

class ProbeCompletion {
 public:
  explicit ProbeCompletion(asio::io_context& io) : io_(io) {}

  void arm(ProbeDone done) { done_ = std::move(done); }
  bool finished() const noexcept { return finished_; }

  // Delivers `r` once, by posting to the loop; later calls are ignored.
  // Returns true if this call delivered. Safe from anywhere, start() included.
  bool finish(ProbeResult r) {
    if (finished_) return false;
    finished_ = true;
    asio::post(io_, [done = std::move(done_), r = std::move(r)]() mutable { call(std::move(done), std::move(r)); });
    return true;
  }

  // Like finish(), but calls `done` at once: only from a handler the loop is
  // running, never from inside start(). Saves the posted handler, which costs
  // the loop an extra epoll_wait(0) per wake-up.
  bool finish_now(ProbeResult r) {
    if (finished_) return false;
    finished_ = true;
    call(std::move(done_), std::move(r));
    return true;
  }

 private:
  static void call(ProbeDone done, ProbeResult r) {
    if (!done) return;
    try {
      done(std::move(r));
    } catch (...) {
      // A throwing callback must not stop io_context::run() for every other check.
    }
  }

  asio::io_context& io_;
  ProbeDone done_;
  bool finished_ = false;
};

}  // namespace tandem::checks

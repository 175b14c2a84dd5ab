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
  // Returns true if this call delivered.
  bool finish(ProbeResult r) {
    if (finished_) return false;
    finished_ = true;
    asio::post(io_, [done = std::move(done_), r = std::move(r)]() mutable {
      if (!done) return;
      try {
        done(std::move(r));
      } catch (...) {
        // A throwing callback must not stop io_context::run() for every other check.
      }
    });
    return true;
  }

 private:
  asio::io_context& io_;
  ProbeDone done_;
  bool finished_ = false;
};

}  // namespace tandem::checks

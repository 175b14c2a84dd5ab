// Jobs off the event loop; see loop_worker.hpp.
#include "director/daemon/loop_worker.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>

namespace tandem::director {

LoopWorker::LoopWorker(asio::io_context& loop, int nice)
    : loop_(loop), thread_io_(1), keep_alive_(asio::make_work_guard(thread_io_)), thread_([this, nice] {
        if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) != 0)
          spdlog::debug("worker thread: cannot set nice {}: {}", nice, std::strerror(errno));
        thread_io_.run();
      }) {}

LoopWorker::~LoopWorker() { stop(); }

void LoopWorker::submit(Job job) {
  if (stopped_) return;  // nothing would run it, and the loop would wait for it forever
  auto loop_waits = asio::make_work_guard(loop_);
  asio::post(thread_io_, [this, job = std::move(job), loop_waits = std::move(loop_waits)]() mutable {
    Completion done;
    try {
      done = job();
    } catch (...) {
      // Handed to the loop, whose handler logs an escaped exception and goes on.
      done = [error = std::current_exception()] { std::rethrow_exception(error); };
    }
    if (done) asio::post(loop_, std::move(done));
    loop_waits.reset();
  });
}

void LoopWorker::stop() {
  stopped_ = true;
  keep_alive_.reset();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tandem::director

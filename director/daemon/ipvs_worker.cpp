// The IPVS worker thread; see ipvs_worker.hpp.
#include "director/daemon/ipvs_worker.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>

namespace tandem::director {

namespace {
constexpr int kNice = 10;
}  // namespace

IpvsWorker::IpvsWorker(asio::io_context& loop, ipvs::Client client)
    : loop_(loop),
      client_(std::move(client)),
      thread_io_(1),
      keep_alive_(asio::make_work_guard(thread_io_)),
      thread_([this] {
        // Bulk work: when the loop and this thread compete for one CPU, the
        // loop (adverts, probe deadlines) goes first. Linux nice values are
        // per thread.
        if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kNice) != 0)
          spdlog::debug("IPVS worker: cannot lower its priority: {}", std::strerror(errno));
        thread_io_.run();
      }) {}

IpvsWorker::~IpvsWorker() { stop(); }

void IpvsWorker::submit(Job job) {
  if (stopped_) return;  // nothing would run it, and the loop would wait for it forever
  // The loop must not run out of work while a job is out: its completion is
  // still to come.
  auto loop_waits = asio::make_work_guard(loop_);
  asio::post(thread_io_, [this, job = std::move(job), loop_waits = std::move(loop_waits)]() mutable {
    Completion done;
    try {
      done = job(client_);
    } catch (...) {
      // Handed to the loop, whose handler logs an escaped exception and goes on.
      done = [error = std::current_exception()] { std::rethrow_exception(error); };
    }
    if (done) asio::post(loop_, std::move(done));
    loop_waits.reset();
  });
}

ipvs::Client& IpvsWorker::stop() {
  stopped_ = true;
  keep_alive_.reset();
  if (thread_.joinable()) thread_.join();
  return client_;
}

}  // namespace tandem::director

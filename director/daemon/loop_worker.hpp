// LoopWorker: a thread that runs jobs the event loop hands over, one at a
// time and in order, and hands each job's completion back to the loop.
//
// Everything tandem does runs on one event loop, and VRRP adverts wait for
// whatever holds it (a 100 ms backup takes over after 360 ms of silence).
// Work that grows with the config goes here instead: IPVS netlink traffic
// (one round trip per service), reading a config file of a thousand services,
// rendering status and metrics for ten thousand real servers (measured on a
// host: 330 ms for `status --json`, 110 ms for a metrics scrape).
//
// A job runs on the worker thread and must touch nothing of the loop's; it
// returns the completion, which runs on the loop. While a job is out, the
// loop's io_context does not run out of work.
#pragma once

#include <functional>
#include <thread>

#include "common/asio.hpp"

namespace tandem::director {

class LoopWorker {
 public:
  using Completion = std::function<void()>;
  using Job = std::function<Completion()>;

  // `nice`: the thread's nice value (Linux keeps one per thread), so that
  // where the loop and the worker compete for one CPU the loop goes first.
  LoopWorker(asio::io_context& loop, int nice);
  ~LoopWorker();  // stop()
  LoopWorker(const LoopWorker&) = delete;
  LoopWorker& operator=(const LoopWorker&) = delete;

  // Queues `job`; ignored after stop().
  void submit(Job job);

  // Waits for the jobs already submitted and ends the thread.
  void stop();

 private:
  asio::io_context& loop_;
  asio::io_context thread_io_;
  asio::executor_work_guard<asio::io_context::executor_type> keep_alive_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace tandem::director

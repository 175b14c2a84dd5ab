// IpvsWorker: the daemon's IPVS netlink traffic, on a thread of its own.
//
// Reading the table takes one netlink round trip per service (the kernel
// lists destinations one service at a time), and a large plan takes many
// more: milliseconds per thousand services on a real host, and measured at
// 60-350 ms for 1,000 services in user-mode Linux. On the event loop that time
// would hold back VRRP adverts and probe timers: with 100 ms adverts the
// backup takes over after 360 ms of silence. So the client lives here; the
// loop hands over a job, and the job's completion comes back to the loop as a
// handler. Jobs run one at a time, in order; while one is in flight the loop
// keeps running (and keeps its io_context from running out of work).
#pragma once

#include <functional>
#include <thread>

#include "common/asio.hpp"
#include "ipvs/netlink/client.hpp"

namespace tandem::director {

class IpvsWorker {
 public:
  // What a job hands back: run on the loop once the job is done.
  using Completion = std::function<void()>;
  // Runs on the worker thread with the client; touches nothing of the loop's.
  using Job = std::function<Completion(ipvs::Client&)>;

  IpvsWorker(asio::io_context& loop, ipvs::Client client);
  ~IpvsWorker();  // waits for the jobs already submitted
  IpvsWorker(const IpvsWorker&) = delete;
  IpvsWorker& operator=(const IpvsWorker&) = delete;

  void submit(Job job);

  // Waits for the jobs already submitted and stops the thread; the client is
  // then the calling thread's (for the last, synchronous steps of a shutdown).
  ipvs::Client& stop();

 private:
  asio::io_context& loop_;
  ipvs::Client client_;
  asio::io_context thread_io_;
  asio::executor_work_guard<asio::io_context::executor_type> keep_alive_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace tandem::director

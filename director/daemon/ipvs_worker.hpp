// IpvsWorker: the daemon's IPVS client, used only from a LoopWorker thread
// of its own. Reading the table takes one netlink round trip per service (the
// kernel lists destinations one service at a time), and a large plan takes
// many more: milliseconds per thousand services on a host, measured at
// 60-350 ms in user-mode Linux, time the event loop cannot spare (see
// loop_worker.hpp).
#pragma once

#include <functional>

#include "director/daemon/loop_worker.hpp"
#include "ipvs/netlink/client.hpp"

namespace tandem::director {

class IpvsWorker {
 public:
  using Completion = LoopWorker::Completion;
  // Runs on the worker thread with the client; touches nothing of the loop's.
  using Job = std::function<Completion(ipvs::Client&)>;

  IpvsWorker(asio::io_context& loop, ipvs::Client client);

  void submit(Job job) {
    worker_.submit([this, job = std::move(job)] { return job(client_); });
  }

  // Waits for the jobs already submitted and stops the thread; the client is
  // then the calling thread's (for the last, synchronous steps of a shutdown).
  ipvs::Client& stop() {
    worker_.stop();
    return client_;
  }

 private:
  ipvs::Client client_;
  LoopWorker worker_;  // after client_: it stops (joins) before the client goes
};

}  // namespace tandem::director
